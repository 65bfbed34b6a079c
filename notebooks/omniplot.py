"""Small helpers shared by the notebooks: reading the jobs' JSON outputs and checking figures."""
import glob
import json
import os


def read_jsonl(path):
    """The records of a JSON-lines file (blank lines skipped)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_eval_reports(directory):
    """Every `eval --out` report under `directory` (recursively), each with its file name."""
    reports = []
    for path in sorted(glob.glob(os.path.join(directory, "**", "*.json"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            try:
                report = json.load(f)
            except json.JSONDecodeError:
                continue
        if isinstance(report, dict) and "metrics" in report and "benchmark" in report:
            report["file"] = os.path.basename(path)
            reports.append(report)
    return reports


def benchmark_name(path):
    """`.../bench-doc2code/` -> `doc2code`: the benchmark directory's name."""
    name = os.path.basename(os.path.normpath(path))
    return name[len("bench-"):] if name.startswith("bench-") else name


def check(fig):
    """Fails when a figure has no axes or an axes without data, so an empty plot is an error."""
    assert fig.axes, "figure has no axes"
    for ax in fig.axes:
        assert ax.has_data(), f"empty plot: '{ax.get_title()}'"
    return fig


def require(path, command):
    """Fails with the command that produces a missing input."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} not found; produce it with: {command}")
    return path
