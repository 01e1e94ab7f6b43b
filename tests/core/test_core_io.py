import pandas as pd
import pytest

from spatialhealth.errors import EncodingError, InputError
from spatialhealth.io import detect_encoding, read_table

TEXT = "省份,床位\n北京市,12.7\n内蒙古自治区,15.9\n"


@pytest.mark.parametrize("encoding, expected", [("utf-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"),
                                                ("gbk", "gb18030")])
def test_detect_and_read_each_encoding(tmp_path, encoding, expected):
    path = tmp_path / "t.csv"
    path.write_bytes(TEXT.encode(encoding))
    before = path.read_bytes()
    assert detect_encoding(path) == expected
    df = read_table(path)
    assert df.columns.tolist() == ["省份", "床位"]  # no BOM left in the first name
    assert df["省份"].tolist() == ["北京市", "内蒙古自治区"]
    assert path.read_bytes() == before


def test_gbk_late_in_file_is_found(tmp_path):
    path = tmp_path / "late.csv"
    path.write_bytes(("code\n" + "110000\n" * 5000 + "北京\n").encode("gbk"))
    assert detect_encoding(path) == "gb18030"


def test_undecodable_bytes_raise(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\n\xff\xfe\xff\xff,1\n")
    with pytest.raises(EncodingError, match="neither UTF-8 nor GBK"):
        read_table(path)


def test_explicit_wrong_encoding_is_explained(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(TEXT.encode("gbk"))
    with pytest.raises(EncodingError, match="cannot be decoded as utf-8"):
        read_table(path, encoding="utf-8")


def test_parquet_excel_and_errors(tmp_path):
    df = pd.DataFrame({"code": ["110000"], "v": [1.5]})
    df.to_parquet(tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(read_table(tmp_path / "t.parquet"), df)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InputError, match="empty"):
        read_table(tmp_path / "empty.csv")
    (tmp_path / "t.dbf").write_text("x")
    with pytest.raises(InputError, match="unsupported"):
        read_table(tmp_path / "t.dbf")
    with pytest.raises(FileNotFoundError):
        read_table(tmp_path / "missing.csv")


def test_mixed_encodings_in_one_file_are_refused(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes("城市\n北京\n".encode("utf-8") + "广州\n".encode("gbk"))
    with pytest.raises(EncodingError, match="mixed encodings"):
        detect_encoding(path)
