"""Reading arrays: inline lists, JSON/CSV/.npy files, stdin; each error names the spot."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xent_tutor.engine.inputs import parse_csv, parse_list, read_array
from xent_tutor.errors import XentError
from xent_tutor.lesson.text import message


def test_inline_list_and_scalar():
    assert parse_list("[[1, 2], [3, 4]]", "logits").tolist() == [[1, 2], [3, 4]]
    assert parse_list("[0, 1]", "labels").dtype.kind == "i"
    assert parse_list("[0.5, 1]", "labels").dtype.kind == "f"
    assert parse_list("2", "labels").shape == ()


def test_inf_and_nan_spellings():
    a = parse_list("[inf, -Infinity, nan, 1e3]", "logits")
    assert np.isposinf(a[0]) and np.isneginf(a[1]) and np.isnan(a[2]) and a[3] == 1000


@pytest.mark.parametrize(
    "text, key, fragment",
    [
        ("[[1, 2], [3]]", "ragged_row", "row 2 has 1 values but row 1 has 2"),
        ("[[1, 2], [3, x]]", "not_a_number", "row 2, column 2: 'x' is not a number"),
        ("[[1, 2], [3, 4]", "parse_unclosed", "never closed"),
        ("[1, 2]]", "parse_trailing", "after the end"),
        ("[1 2]", "parse_comma", "missing comma"),
        ("[1, , 2]", "parse_missing_value", "missing"),
        ("[1, 2,]", "parse_trailing_comma", "comma with no value"),
        ("[" * 9 + "1" + "]" * 9, "too_deep", "deeper than 8"),
        ("[" * 100000, "too_deep", "deeper than 8"),
        ("[true, 1]", "not_a_number", "'true' is not a number"),
        ('["1", 2]', "not_a_number", "is not a number"),
        ("[[1, 2], 3]", "ragged", "item 2"),
    ],
)
def test_list_errors(text, key, fragment):
    with pytest.raises(XentError) as e:
        parse_list(text, "logits")
    assert e.value.key == key
    assert fragment in message(e.value)
    assert message(e.value).startswith("--logits: ")


def test_empty_lists_are_arrays_for_the_core_to_judge():
    # An empty batch is a real (PyTorch) case: labels '[]' for logits of shape (0, C).
    assert parse_list("[]", "labels").shape == (0,)
    assert parse_list("[[]]", "logits").shape == (1, 0)


def test_csv_with_header_and_single_column():
    assert parse_csv("a,b\n1,2\n3,4\n", "logits").tolist() == [[1, 2], [3, 4]]
    assert parse_csv("label\n0\n1\n", "labels").tolist() == [0, 1]


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("1,2\n3\n", "line 2 has 1 values but the first row has 2"),
        ("1,2\n3,oops\n", "line 2, column 2: 'oops' is not a number"),
        ("\n\n", "empty"),
    ],
)
def test_csv_errors(text, fragment):
    with pytest.raises(XentError) as e:
        parse_csv(text, "logits", "x.csv")
    assert fragment in message(e.value)


def test_files(tmp_path):
    (tmp_path / "z.json").write_text("[[1.5, 2]]")
    (tmp_path / "z.csv").write_text("1.5,2\n")
    np.save(tmp_path / "z.npy", np.array([[1.5, 2.0]], dtype=np.float32))
    for name in ("z.json", "z.csv", "z.npy"):
        assert read_array(str(tmp_path / name), "logits").tolist() == [[1.5, 2.0]]


@pytest.mark.parametrize(
    "setup, key",
    [
        (lambda p: None, "file_missing"),
        (lambda p: p.write_text("1,2"), "file_type"),
        (lambda p: p.mkdir(), "file_is_dir"),
    ],
)
def test_file_errors(tmp_path, setup, key):
    path = tmp_path / ("thing.txt" if key == "file_type" else "thing.json")
    setup(path)
    with pytest.raises(XentError) as e:
        read_array(str(path), "logits")
    assert e.value.key == key


def test_npy_with_objects_is_refused_not_unpickled(tmp_path):
    path = tmp_path / "obj.npy"
    np.save(path, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(XentError) as e:
        read_array(str(path), "logits")
    assert e.value.key == "npy_object"


def test_npy_of_text_is_refused(tmp_path):
    path = tmp_path / "s.npy"
    np.save(path, np.array(["a", "b"]))
    with pytest.raises(XentError) as e:
        read_array(str(path), "logits")
    assert e.value.key == "npy_dtype"


def test_corrupt_npy(tmp_path):
    path = tmp_path / "bad.npy"
    path.write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(XentError) as e:
        read_array(str(path), "logits")
    assert e.value.key == "npy_bad"


def test_stdin_text_csv_and_npy():
    assert read_array("-", "logits", io.BytesIO(b"[[1, 2]]")).tolist() == [[1, 2]]
    assert read_array("-", "logits", io.BytesIO(b"1,2\n3,4\n")).tolist() == [[1, 2], [3, 4]]
    buf = io.BytesIO()
    np.save(buf, np.arange(4.0).reshape(2, 2))
    assert read_array("-", "logits", io.BytesIO(buf.getvalue())).tolist() == [[0, 1], [2, 3]]
    with pytest.raises(XentError) as e:
        read_array("-", "logits", io.BytesIO(b"   "))
    assert e.value.key == "empty"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='[]{},.-+0123456789eEinfa \n"x', max_size=40))
def test_random_text_gives_an_array_or_the_one_error(text):
    try:
        a = parse_list(text, "logits")
    except XentError as e:
        assert message(e).startswith("--logits: ")
    else:
        assert a.dtype.kind in "if"  # "[]" is an empty batch, a real PyTorch case


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789.,-\n ab", max_size=40))
def test_random_csv_gives_an_array_or_the_one_error(text):
    try:
        a = parse_csv(text, "labels")
    except XentError as e:
        assert message(e).startswith("--labels: ")
    else:
        assert a.size
