"""The rules of the check as declared data: a new statistic is one rule, evaluated when its inputs are
gathered and reported everywhere; an option the input makes idle warns in the API's and the CLI's words."""

import dataclasses
import inspect
import warnings

import numpy as np
import pytest

from infonce_gauss import check
from infonce_gauss.encoder_check import rules
from infonce_gauss.encoder_check.check import OptionWarning
from infonce_gauss.encoder_check.result import Effect

FAST = {"null_replicates": 200, "subsample": 200}


@pytest.fixture(scope="module")
def z():
    return np.random.default_rng(3).standard_normal((600, 8))


def test_rules_are_declared_once_with_inputs_the_evidence_has():
    keys = [r.key for r in rules.RULES]
    assert len(set(keys)) == len(keys) and tuple(keys) == rules.ASSUMPTIONS
    fields = {f.name for f in dataclasses.fields(rules.Evidence)}
    for rule in rules.RULES:
        assert set(rule.inputs) <= fields and (rule.given is None or rule.given in fields), rule.key
        assert rule.title and rule.reference and rule.statistic and rule.null, rule.key


def test_a_new_statistic_is_one_rule(z, monkeypatch):
    def mean_norm(rule, ev):
        value = float(ev.norms.mean())
        return rule.assumption(verdict="holds", effects=(Effect("mean norm", value),), rule="always holds",
                               figure=f"mean norm {value:.3f}", details={"mean_norm": value})

    extra = rules.Rule("mean_norm", "Mean norm", "none", statistic="the mean norm", null="none", evaluate=mean_norm,
                       inputs=("norms",))
    monkeypatch.setattr(rules, "RULES", (*rules.RULES, extra))
    result = check(z, **FAST)
    assert result.mean_norm.verdict == "holds" and result.mean_norm.title == "Mean norm"
    assert result.mean_norm.details["mean_norm"] == pytest.approx(np.linalg.norm(z, axis=1).mean(), rel=1e-6)
    assert list(result.assumptions)[-1] == "mean_norm" and result.verdicts["mean_norm"] == "holds"
    assert "mean_norm" in result.to_dict()["assumptions"] and "Mean norm: mean norm" in result.summary()


def test_a_rule_whose_input_is_not_given_has_no_outcome(z):
    result = check(z, **FAST)
    assert result.outcomes["alignment"] is None and result.alignment is None and "alignment" not in result.assumptions
    assert list(result.outcomes) == list(rules.ASSUMPTIONS)
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        result.nonexistent


def test_idle_and_clamped_options_warn_in_the_api(z):
    with pytest.warns(OptionWarning, match=r"^eta2 is used only with positives"):
        check(z, eta2=0.5, **FAST)
    with pytest.warns(OptionWarning, match=r"^k=20 is larger than d = 8; using k=8\."):
        check(z, k=20, **FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("error", OptionWarning)
        check(z, **FAST)  # directions at its default (32 > d = 8): a documented clamp, no warning


def test_nan_labels_are_refused_by_the_api(z):
    labels = np.zeros(len(z))
    labels[5] = np.nan
    with pytest.raises(ValueError, match=r"1 label\(s\) are NaN \(e\.g\. row 5\)"):
        check(z, labels=labels, **FAST)


def test_config_has_no_defaults_of_its_own():
    """check's defaults live in its signature only: CheckConfig repeats none of them."""
    from infonce_gauss.encoder_check.result import CheckConfig

    assert all(f.default is dataclasses.MISSING for f in dataclasses.fields(CheckConfig))
    params = inspect.signature(check).parameters
    assert {f.name for f in dataclasses.fields(CheckConfig)} <= set(params)


def test_the_cli_builds_checks_options_from_its_signature(capsys):
    from infonce_gauss.cli import _check_options, main

    params = inspect.signature(check).parameters
    options = _check_options()
    assert all(opt.name in params for opt in options)
    assert main(["check", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for opt in options:
        default = params[opt.name].default
        flag = "--" + opt.name.replace("_", "-")
        assert flag in text, flag
        if default not in (None, False):
            assert f"{opt.help} (default: {default})" in text, flag
