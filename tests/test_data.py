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


@pytest.mark.parametrize(
    "text, target, message",
    [
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
    ],
)
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


def test_a_bad_cell_in_a_numeric_target_is_an_error_not_a_class_each(tmp_path):
    rows = "".join(f"{i},{i * 0.37:.4f}\n" for i in range(5000))
    for bad in ("NA", "nan", "inf", "1.2.3"):
        text = "x,y\n" + rows + f"5000,{bad}\n"
        with pytest.raises(nl.DataError, match=rf"line 5002: the target 'y' holds '{bad}', not a finite number"):
            nl.load_csv(write(tmp_path, text))
    d = nl.load_csv(write(tmp_path, "x,y\n" + rows))
    assert d.task == "regression" and "5,000 distinct values" in d.reason


def test_whole_numbers_written_as_floats_are_classes_and_task_overrides_the_guess(tmp_path):
    path = write(tmp_path, "x,y\n0.1,1.0\n0.2,2\n0.3,1\n0.4,2.0\n")
    d = nl.load_csv(path)
    assert d.task == "classification" and d.classes == ["1", "2"] and d.y.tolist() == [0, 1, 0, 1]
    assert "whole numbers with 2 distinct values" in d.reason
    d = nl.load_csv(path, task="regression")
    assert d.task == "regression" and d.y.tolist() == [1.0, 2.0, 1.0, 2.0] and "as asked" in d.reason
    d = nl.load_csv(write(tmp_path, "x,y\n1,0.5\n2,0.25\n3,0.5\n"), task="classification")
    assert d.task == "classification" and d.classes == ["0.25", "0.5"] and d.y.tolist() == [1, 0, 1]
    with pytest.raises(nl.DataError, match="holds 'cat', not a finite number .--task regression was asked"):
        nl.load_csv(write(tmp_path, "x,y\n1,cat\n2,dog\n"), task="regression")


def test_text_labels_are_capped(tmp_path):
    text = "x,name\n" + "".join(f"{i},id{i}\n" for i in range(20_000))
    with pytest.raises(nl.DataError, match="20,000 distinct labels; at most 100 classes"):
        nl.load_csv(write(tmp_path, text))


def test_semicolons_tabs_huge_fields_and_decimal_commas(tmp_path):
    d = nl.load_csv(write(tmp_path, "a;b;y\n1;2;0.5\n3;4;1.5\n"))
    assert d.x.tolist() == [[1, 2], [3, 4]] and d.y.tolist() == [0.5, 1.5]
    d = nl.load_csv(write(tmp_path, "a\ty\n1\t0.5\n3\t1.5\n"))
    assert d.x.tolist() == [[1], [3]]
    with pytest.raises(nl.DataError, match="decimal commas are not read"):
        nl.load_csv(write(tmp_path, "a;y\n1,5;2\n3,5;4\n"))
    with pytest.raises(nl.DataError, match="line 2: a cell longer than"):
        nl.load_csv(write(tmp_path, 'a,y\n"' + "x" * 200_000 + "\n1,2\n"))


def test_a_csv_that_is_not_a_regular_file_or_too_large_is_refused(tmp_path, monkeypatch):
    import os

    fifo = tmp_path / "points.csv"
    os.mkfifo(fifo)  # a plain open would wait for a writer for ever
    with pytest.raises(nl.DataError, match="not a regular file"):
        nl.load_csv(fifo)
    monkeypatch.setattr(nl.data, "MAX_CSV_FILE_BYTES", 100)
    big = tmp_path / "big.csv"
    big.write_text("x,y\n" + "1,2\n" * 100)
    with pytest.raises(nl.DataError, match="at most 100 bytes"):
        nl.load_csv(big)
