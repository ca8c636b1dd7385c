import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import pytest

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """The benchmark corpus (benchmarks/make_corpus.py), written to a temporary folder."""
    sys.path.insert(0, str(BENCHMARKS))
    import make_corpus

    return make_corpus.write(tmp_path_factory.mktemp("corpus"))
