import numpy as np
import pytest

import neuronlab as nl


def write(tmp_path, text, name="d.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_regression_csv(tmp_path):
    d = nl.load_csv(write(tmp_path, "a,b,y\n1,2,0.5\n3,4,1.25\n\n5,6,-2\n"))
    assert d.task == "regression" and d.feature_names == ["a", "b"] and d.target_name == "y"
    assert d.x.tolist() == [[1, 2], [3, 4], [5, 6]] and d.y.tolist() == [0.5, 1.25, -2.0]


def test_text_and_integer_targets_mean_classification(tmp_path):
    d = nl.load_csv(write(tmp_path, "\ufeffcolor,w,h\nred,1,2\nblue,3,4\nred,5,6\n"), target="color")
    assert d.task == "classification" and d.classes == ["blue", "red"] and d.y.tolist() == [1, 0, 1]
    assert d.feature_names == ["w", "h"]
    d = nl.load_csv(write(tmp_path, "x,label\n0.1,3\n0.2,-1\n0.3,3\n"))
    assert d.classes == ["-1", "3"] and d.y.tolist() == [1, 0, 1]
    many = "x,count\n" + "".join(f"{i},{i * 7}\n" for i in range(60))  # 60 distinct integers: a quantity
    assert nl.load_csv(write(tmp_path, many)).task == "regression"


@pytest.mark.parametrize("text, target, message", [
    ("", None, "is empty"),
    ("1,2\n3,4\n5,6\n", None, "first row must be a header"),
    ("y\n1\n2\n", None, "at least two columns"),
    ("a,a\n1,2\n3,4\n", None, "must be different"),
    ("a,y\n1,2\n", None, "at least 2 are needed"),
    ("a,y\n1,2\n3,4\n", "z", "no column 'z'; its columns are: a, y"),
    ("a,y\n1,2\n3\n", None, "line 3: 1 values, but the header has 2 columns"),
    ("a,y\n1,2\nred,4\n", None, "line 3: column 'a' holds 'red', not a finite number"),
    ("a,y\n1,2\nnan,4\n", None, "not a finite number"),
    ("a,y\n1,2\n,4\n", None, "line 3: column 'a' is empty"),
    ("a,y\n1,2\n3,\n", None, "line 3: the target 'y' is empty"),
    ("a,y\n1,cat\n3,cat\n", None, "single class"),
])
def test_bad_csv_files_are_explained(tmp_path, text, target, message):
    with pytest.raises(nl.DataError, match=message):
        nl.load_csv(write(tmp_path, text), target)


def test_builtin_sets_are_seeded_and_labelled():
    for make in nl.data.DATASETS.values():
        a, b = make(100, seed=3), make(100, seed=3)
        assert a.x.shape == (100, 2) and np.array_equal(a.x, b.x) and set(a.y.tolist()) <= {0, 1}
    xor = nl.data.xor(200, seed=0)
    assert np.array_equal(xor.y, (xor.x[:, 0] * xor.x[:, 1] > 0).astype(int))
    assert nl.data.gaussians(300, classes=4, seed=0).n_classes == 4
    assert set(nl.data.spiral(300, classes=3, seed=0).y.tolist()) == {0, 1, 2}
