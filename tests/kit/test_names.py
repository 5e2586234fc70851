from fairscreen.kit.names import name_key


def test_traditional_and_simplified_forms_are_one_name() -> None:
    assert name_key("王曉明") == name_key("王晓明")
    assert name_key("羅思琪") == name_key("罗思琪")


def test_width_case_and_spacing_do_not_matter() -> None:
    assert name_key("Emily  Chen") == name_key("ｅｍｉｌｙ chen")


def test_different_names_stay_different() -> None:
    assert name_key("王小明") != name_key("王晓明")
