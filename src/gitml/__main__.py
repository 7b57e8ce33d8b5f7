import sys

from gitml.cli import main

sys.exit(main())
