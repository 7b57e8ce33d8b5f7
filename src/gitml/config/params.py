"""Typed params: params.yaml is validated whole, before any work, into frozen pydantic models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from gitml.config.row_expr import row_check_problem
from gitml.errors import ConfigError

PARAMS_FILE = "params.yaml"

Task = Literal["binary", "multiclass", "regression"]
Dtype = Literal["int", "float", "bool", "category", "str", "datetime"]
Scalar = str | int | float | bool
NonEmpty = Annotated[str, Field(min_length=1)]
TEXT = ("bool", "category", "str")  # dtypes whose order says nothing about time


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")


# --- data ---------------------------------------------------------------------------------


class ColumnSpec(Strict):
    """One column of the data contract."""

    dtype: Dtype
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    allowed: list[Scalar] | None = None
    unique: bool = False
    feature: bool = True
    # inf and -inf in a float column: refused by validate unless allowed here; scoring (the
    # service, `gitml predict`) refuses them always, as JSON has no such numbers
    allow_inf: bool = False

    @model_validator(mode="after")
    def _range_is_ordered(self) -> ColumnSpec:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        if self.allow_inf and self.dtype != "float":
            raise ValueError(f"allow_inf is for float columns, and this one is {self.dtype}")
        return self


class RowCheck(Strict):
    """A row-level rule that must hold where its columns are present, in the small grammar of
    config/row_expr.py (docs/reference/row-checks.md): a contract cannot run code."""

    name: str
    expr: str


class SyntheticSource(Strict):
    kind: Literal["synthetic"]
    path: str  # the generator module: the dataset's true upstream for DVC
    n_rows: int = Field(ge=100, le=10_000_000)


class FileSource(Strict):
    """A CSV or Parquet file. For CSV, how its text is read, by ingest and by `gitml predict`
    for new rows (`gitml infer-contract` drafts both from what it sees): `na_values` are extra
    text that marks a missing value, per column (`{score: ['?']}`) or in every column (a
    list); pandas' own, such as empty, NA, null, are always missing. `thousands` is the
    character between groups of three digits (`75,083`), in int and float columns: only
    numbers grouped exactly so are read as numbers, so `12,5` stays text and fails."""

    kind: Literal["file"]
    path: str
    na_values: list[NonEmpty] | dict[str, list[NonEmpty]] = []
    thousands: Literal[",", "'", " "] | None = None

    @field_validator("na_values", "thousands")
    @classmethod
    def _for_csv_only(cls, value: Any, info: ValidationInfo) -> Any:
        path = str(info.data.get("path", ""))
        if value and path and not path.lower().endswith(".csv"):
            raise ValueError(
                f"says how to read CSV text, and {path} is not a .csv file (Parquet keeps its "
                f"types): remove {info.field_name}"
            )
        return value


Source = Annotated[SyntheticSource | FileSource, Field(discriminator="kind")]


class DataParams(Strict):
    name: str
    task: Task
    target: str
    positive_class: Scalar | None = None
    id_column: str | None = None
    # row weights (a survey's): the fit's sample weights, and what metrics and intervals
    # are weighted by; never a feature
    weight_column: str | None = None
    source: Source
    columns: dict[str, ColumnSpec] = Field(min_length=2)
    checks: list[RowCheck] = []

    @model_validator(mode="after")
    def _columns_exist(self) -> DataParams:
        roles = (
            ("target", self.target),
            ("id_column", self.id_column),
            ("weight_column", self.weight_column),
        )
        for role, column in roles:
            if column is not None and column not in self.columns:
                raise ValueError(
                    f"{role} {column!r} is not a column of the contract "
                    f"(columns: {', '.join(self.columns)})"
                )
        if problem := self._weight_problem():
            raise ValueError(problem)
        marks = self.source.na_values if isinstance(self.source, FileSource) else None
        unknown = [c for c in marks if c not in self.columns] if isinstance(marks, dict) else []
        if unknown:
            raise ValueError(
                f"source.na_values names {', '.join(map(repr, unknown))}, not a column of the "
                f"contract (columns: {', '.join(self.columns)})"
            )
        if self.task == "regression" and self.columns[self.target].dtype not in ("int", "float"):
            raise ValueError(f"task 'regression' needs a numeric target; {self.target!r} is not")
        if not self.feature_columns:
            raise ValueError("the contract has no feature columns besides the target and id")
        return self

    def _weight_problem(self) -> str | None:
        if self.weight_column is None:
            return None
        name, spec = self.weight_column, self.columns[self.weight_column]
        fix = f"in conf/data/{self.name}.yaml"
        if name in (self.target, self.id_column):
            role = "target" if name == self.target else "id_column"
            return f"weight_column {name!r} is also the {role}: name a column of row weights {fix}"
        if spec.dtype not in ("int", "float") or spec.nullable or spec.allow_inf:
            return (
                f"weight_column {name!r} must hold a positive finite number in every row: set "
                f"its dtype to int or float (it is {spec.dtype}), nullable: false and "
                f"allow_inf: false {fix}"
            )
        return None

    @model_validator(mode="after")
    def _checks_in_the_grammar(self) -> DataParams:
        for check in self.checks:
            contract = f"conf/data/{self.name}.yaml"
            if problem := row_check_problem(check.name, check.expr, self.columns, contract):
                raise ValueError(problem)
        return self

    @property
    def feature_columns(self) -> dict[str, ColumnSpec]:
        """Columns the model learns from, in contract order."""
        excluded = {self.target, self.id_column, self.weight_column}
        return {
            name: spec
            for name, spec in self.columns.items()
            if spec.feature and name not in excluded and spec.dtype != "datetime"
        }

    @property
    def text_columns(self) -> list[str]:
        """Columns of text (categories included): CSV readers must keep them as text."""
        return [name for name, spec in self.columns.items() if spec.dtype in ("category", "str")]


# --- split --------------------------------------------------------------------------------


# how to make a split the project's default: a command-line override lasts for one compose
DEFAULT_SPLIT = (
    "set `{1}: <column>` in conf/split/{0}.yaml and `- split: {0}` in the defaults list of "
    "conf/config.yaml, then run `gitml compose` (what `make run`, `dvc exp run` and CI use)"
)


class SplitParams(Strict):
    strategy: Literal["auto", "stratified", "random", "group", "time"] = "auto"
    test_size: float = Field(gt=0, lt=1)
    group_column: str | None = None
    time_column: str | None = None

    @model_validator(mode="after")
    def _strategy_has_column(self) -> SplitParams:
        for strategy, key in (("group", "group_column"), ("time", "time_column")):
            if self.strategy == strategy and not getattr(self, key):
                how = DEFAULT_SPLIT.format(strategy, key)
                raise ValueError(f"strategy {strategy!r} needs split.{key}: {how}")
        return self


# --- model --------------------------------------------------------------------------------


class LinearParams(Strict):
    """Logistic regression (classification) or ridge regression; `l2` is the penalty strength."""

    name: Literal["linear"]
    l2: float = Field(default=1.0, gt=0)
    max_iter: int = Field(default=1000, ge=1)
    class_weight: Literal["balanced"] | None = None


class RandomForestParams(Strict):
    name: Literal["random_forest"]
    n_estimators: int = Field(default=200, ge=1)
    max_depth: int | None = Field(default=None, ge=1)
    min_samples_leaf: int = Field(default=1, ge=1)
    # a count of features (3), a share of them (0.5), sqrt or log2 of their number, or all
    max_features: int | float | Literal["sqrt", "log2"] | None = "sqrt"
    max_samples: float | None = Field(default=None, gt=0, le=1)
    class_weight: Literal["balanced", "balanced_subsample"] | None = None
    n_jobs: int = -1  # processes: -1 for every core

    @field_validator("max_features")
    @classmethod
    def _some_features(cls, value: float | str | None) -> float | str | None:
        wrong = isinstance(value, int) and value < 1
        if wrong or (isinstance(value, float) and not 0 < value <= 1):
            raise ValueError("must be a count ≥ 1, a share in (0, 1], 'sqrt', 'log2' or null")
        return value

    @field_validator("n_jobs")
    @classmethod
    def _some_jobs(cls, value: int) -> int:
        if value == 0 or value < -1:
            raise ValueError("must be -1 (every core) or a whole number ≥ 1")
        return value


class HistGradientBoostingParams(Strict):
    name: Literal["hist_gradient_boosting"]
    learning_rate: float = Field(default=0.1, gt=0)
    max_iter: int = Field(default=200, ge=1)
    max_depth: int | None = Field(default=None, ge=1)
    max_leaf_nodes: int | None = Field(default=31, ge=2)
    min_samples_leaf: int = Field(default=20, ge=1)
    l2_regularization: float = Field(default=0.0, ge=0)
    early_stopping: bool = True
    class_weight: Literal["balanced"] | None = None


ModelParams = Annotated[
    LinearParams | RandomForestParams | HistGradientBoostingParams, Field(discriminator="name")
]
MODEL_NAMES: tuple[str, ...] = tuple(
    get_args(member.model_fields["name"].annotation)[0]
    for member in get_args(get_args(ModelParams)[0])
)


# --- evaluate -----------------------------------------------------------------------------


class EvaluateParams(Strict):
    importance_max_rows: int = Field(default=5000, ge=10)
    importance_repeats: int = Field(default=5, ge=1)
    slice_max_categories: int = Field(default=20, ge=1)
    slice_min_rows: int = Field(default=30, ge=1)
    plot_max_points: int = Field(default=200, ge=10)
    calibration_bins: int = Field(default=10, ge=2)
    confusion_max_rows: int = Field(default=20000, ge=10)


# --- report and gate ---------------------------------------------------------------------


class DriftThresholds(Strict):
    """A column has drifted when any statistic exceeds its threshold (see report/drift.py)."""

    psi: float = Field(default=0.2, gt=0)
    js: float = Field(default=0.1, gt=0, le=1)
    ks: float = Field(default=0.1, gt=0, le=1)
    wasserstein: float = Field(default=0.1, gt=0)
    max_rows: int = Field(default=200_000, ge=100)  # rows sampled per side


class ReportParams(Strict):
    resamples: int = Field(default=1000, ge=100, le=100_000)
    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    drift: DriftThresholds = DriftThresholds()
    max_table_rows: int = Field(default=20, ge=3)
    top_features: int = Field(default=10, ge=1)
    top_slices: int = Field(default=8, ge=1)
    max_chars: int = Field(default=60_000, ge=5_000, le=65_536)  # GitHub's comment limit
    # each metric's spread (standard deviation) across training seeds: a note says a metric
    # moved only beyond it and test-row noise (bench/verdict.py measures it)
    seed_sd: dict[str, Annotated[float, Field(ge=0)]] = {}


class GateRule(Strict):
    """`min` (higher-is-better metrics) or `max` (lower-is-better) is an absolute bound;
    `tolerance` is how much worse than the baseline the branch may be (95% confidence)."""

    min: float | None = None
    max: float | None = None
    tolerance: float | None = Field(default=None, ge=0)


class GateParams(Strict):
    contract: bool = True  # fail when the data breaks its contract
    stale_lock: Literal["fail", "warn"] = "fail"  # a committed dvc.lock CI's run changed
    rules: dict[Task, dict[str, GateRule]] = {}

    @model_validator(mode="after")
    def _rules_name_metrics_of_their_task(self) -> GateParams:
        from gitml.config.metric_names import HEADLINE, LOWER_IS_BETTER

        for task, rules in self.rules.items():
            for metric, rule in rules.items():
                where = f"rules.{task}.{metric}"
                if metric not in HEADLINE[task]:
                    raise ValueError(
                        f"{where}: {metric!r} is not a {task} metric "
                        f"(choose from {', '.join(HEADLINE[task])})"
                    )
                lower = metric in LOWER_IS_BETTER
                if (rule.min is not None and lower) or (rule.max is not None and not lower):
                    bound, other = ("min", "max") if lower else ("max", "min")
                    raise ValueError(
                        f"{where}: {metric} is {'lower' if lower else 'higher'}-is-better, "
                        f"so its bound is `{other}`, not `{bound}`"
                    )
        return self


# --- model card ---------------------------------------------------------------------------


class CardParams(Strict):
    """What the model card says that no pipeline output can: who owns the model, what for."""

    owner: str = "(set card.owner in conf/card/default.yaml)"
    intended_use: str = "(set card.intended_use in conf/card/default.yaml)"
    out_of_scope: str = ""
    min_test_rows: int = Field(default=1000, ge=1)  # fewer: the card warns of wide intervals
    rare_class_share: float = Field(default=0.05, gt=0, lt=1)  # classes rarer in the test set


# --- monitor ------------------------------------------------------------------------------


class MonitorParams(Strict):
    """`gitml monitor`: a window of the traffic log against the training reference."""

    logs: str = "logs/traffic"  # a folder of traffic-*.jsonl files (serve.traffic_log.folder)
    window_hours: float = Field(default=168, gt=0)  # without --since: this long up to --until
    min_records: int = Field(default=500, ge=1)  # fewer scored records: too few to judge
    drift: DriftThresholds = DriftThresholds()  # the same statistics and limits as the report
    max_drifted_columns: int = Field(default=0, ge=0)  # action when more feature columns drift
    prediction_drift: bool = True  # action when the predictions drift
    max_refused_share: float = Field(default=0.05, ge=0, le=1)  # of requests, by the contract
    labels: str | None = None  # CSV/Parquet of <id_column>, <target> for logged records
    min_labelled: int = Field(default=200, ge=10)  # fewer joined labels: no live metrics
    max_metric_drop: float = Field(default=0.02, ge=0)  # primary metric, worse with confidence
    resamples: int = Field(default=1000, ge=100, le=100_000)
    confidence: float = Field(default=0.95, gt=0.5, lt=1)


# --- serve -------------------------------------------------------------------------------


REQUEST_TIMEOUT_S = 30  # the service's whole-request timeout (BentoML's traffic timeout)


class TrafficLogParams(Strict):
    """What the service records of each request it answers (see traffic_log.py).

    Records are queued in memory and written by a background thread, so a slow or failing
    sink never delays a request: past `queue_kb` of waiting request bodies, records are
    dropped and counted (`gitml_traffic_log_dropped_total` in /metrics).
    """

    enabled: bool = True
    sample_rate: float = Field(default=1.0, ge=0, le=1)  # share of requests recorded
    exclude: list[str] = []  # contract columns never written (personal data)
    sink: Literal["file", "stdout"] = "file"  # stdout: one JSON line each, for a log collector
    folder: str = "logs/traffic"  # file sink; relative: to where `gitml serve` started
    rotate_mb: float = Field(default=64, gt=0)  # a file is closed past this size
    keep_files: int = Field(default=50, ge=1)  # per worker; older files are deleted
    queue_kb: int = Field(default=65_536, ge=1)


class ServeParams(Strict):
    """The prediction service: request size and adaptive batching (rows per model call)."""

    max_records: int = Field(default=1000, ge=1, le=100_000)
    max_batch_size: int = Field(default=2000, ge=1)
    max_latency_ms: int = Field(default=10_000, ge=1)
    # the longest a request is held back for others to join its batch (see serving.py)
    batch_wait_ms: float = Field(default=5, ge=0)
    # request bodies: bigger ones get a 413 unparsed; slower ones a 408 (BentoML answers a
    # request still running after REQUEST_TIMEOUT_S with a 504, so the 408 must come first)
    max_request_kb: int = Field(default=2048, ge=1)
    read_timeout_s: float = Field(default=10, gt=0, lt=REQUEST_TIMEOUT_S)
    # request heads (request line + headers): bigger ones get a 431, slower ones a 408
    max_header_kb: int = Field(default=16, ge=1, le=1024)
    header_timeout_s: float = Field(default=10, gt=0, lt=REQUEST_TIMEOUT_S)
    # worker processes, each with its own model copy and batching queue
    workers: int | str = "cpu_count"
    traffic_log: TrafficLogParams = TrafficLogParams()

    @field_validator("workers")
    @classmethod
    def _workers(cls, value: int | str) -> int | str:
        if value != "cpu_count" and (isinstance(value, str) or value < 1):
            raise ValueError("must be a whole number ≥ 1 or 'cpu_count'")
        return value

    @model_validator(mode="after")
    def _batch_holds_a_request(self) -> ServeParams:
        if self.max_batch_size < self.max_records:
            raise ValueError(
                f"max_batch_size ({self.max_batch_size}) is smaller than max_records "
                f"({self.max_records}): one full request would not fit in a batch"
            )
        return self


# --- paths and the whole file -------------------------------------------------------------


class PathsParams(Strict):
    raw: str
    validated: str
    validation_report: str
    train: str
    test: str
    model: str
    model_meta: str
    metrics: str
    predictions: str
    importance: str
    slices: str
    plots: str
    timings: str


class Seeds(Strict):
    """One seed per kind of randomness, so a PR can change one alone: the data generator's,
    the split's, the model's (`random_state`) and the report's (evaluate's samples, the
    bootstrap, drift's samples). conf/config.yaml sets each to the top-level `seed`."""

    data: int
    split: int
    model: int
    report: int


class Params(Strict):
    seed: int  # the default of every seed in `seeds`; stages read `seeds`
    seeds: Seeds
    paths: PathsParams
    data: DataParams
    split: SplitParams
    model: ModelParams
    evaluate: EvaluateParams
    report: ReportParams
    gate: GateParams
    serve: ServeParams = ServeParams()
    monitor: MonitorParams = MonitorParams()
    card: CardParams = CardParams()

    @model_validator(mode="after")
    def _paths_apart(self) -> Params:
        """No stage may write over what another stage (or ingest's source) holds."""
        import os.path

        places = {f"paths.{key}": value for key, value in self.paths.model_dump().items()}
        if isinstance(self.data.source, FileSource):
            places = {"data.source.path": self.data.source.path} | places
        seen: dict[str, str] = {}
        for key, path in places.items():
            normal = os.path.normcase(os.path.abspath(path))
            if normal in seen:
                raise ValueError(
                    f"{key} and {seen[normal]} are the same file ({path}): one stage would "
                    f"overwrite what another reads. Give {key} its own path"
                )
            seen[normal] = key
        return self

    @model_validator(mode="after")
    def _split_columns_exist(self) -> Params:
        for key in ("group_column", "time_column"):
            column = getattr(self.split, key)
            if column == "???":  # conf/split/{group,time}.yaml leave it to be set
                strategy = key.removesuffix("_column")
                raise ValueError(f"split.{key} must be set: {DEFAULT_SPLIT.format(strategy, key)}")
            if column is not None and column not in self.data.columns:
                raise ValueError(
                    f"split.{key} {column!r} is not a column of the data contract "
                    f"conf/data/{self.data.name}.yaml"
                )
        time = self.split.time_column
        if self.split.strategy == "time" and time and self.data.columns[time].dtype in TEXT:
            # text sorts 02/01/2021 before 31/12/2020: the test set would not be the latest rows
            raise ValueError(
                f"split.time_column {time!r} is dtype {self.data.columns[time].dtype} in "
                f"conf/data/{self.data.name}.yaml: a time split needs datetime (or numbers). "
                "Declare it `dtype: datetime` if its values are dates"
            )
        unknown = [c for c in self.serve.traffic_log.exclude if c not in self.data.columns]
        if unknown:
            raise ValueError(
                f"serve.traffic_log.exclude names {', '.join(map(repr, unknown))}, not a column "
                f"of the data contract conf/data/{self.data.name}.yaml"
            )
        if self.split.strategy == "stratified" and self.data.task == "regression":
            raise ValueError(
                "split.strategy 'stratified' needs classes, and data.task is regression: "
                "use split.strategy=random (or auto)"
            )
        return self


def parse_params(raw: Any, origin: str = PARAMS_FILE) -> Params:
    """Validate a params mapping; on failure raise ConfigError naming every bad dotted key."""
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        from gitml.config.messages import problem_lines

        problems = problem_lines(exc, Params)
        raise ConfigError(
            f"{origin} is not valid ({exc.error_count()} problem(s)):\n{problems}\n"
            "Fix the value in conf/ and run `gitml compose` (or pass a valid "
            "`dvc exp run -S key=value`)."
        ) from None


def load_params(path: str | Path = PARAMS_FILE) -> Params:
    import yaml

    source = Path(path)
    if not source.is_file():
        raise ConfigError(f"{source} not found. Run `gitml compose` to write it from conf/.")
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source} is not valid YAML: {exc}. Run `gitml compose`.") from None
    return parse_params(raw, origin=str(source))
