"""The FMIN grant rules (SMAN §4.2.1.1) as a table of cases: at each limit and one cent past it."""

import pytest

from fmin.rules import Figures, Limits, Share, capped_amount, check, envelope_allows
from sman.money import format_euros, parse_euros, percent

K = 100_000  # 1 k€ in cents


def single(*, cost, own, request, other_public=0, private=0, evaluate=True):
    return Figures(
        eligible_cost_cents=cost,
        own_funds_cents=own,
        other_public_cents=other_public,
        private_cents=private,
        shares=(Share("Montreuil", cost, request, is_lead=True),),
        commits_to_evaluate=evaluate,
    )


def joint(*requests, cost, own, confirmed=True, shares=None):
    shares = shares or [cost // len(requests)] * len(requests)
    return Figures(
        eligible_cost_cents=cost,
        own_funds_cents=own,
        other_public_cents=0,
        private_cents=0,
        shares=tuple(
            Share(f"Collectivité {i}", shares[i], r, confirmed=confirmed or i == 0, is_lead=i == 0)
            for i, r in enumerate(requests)
        ),
        commits_to_evaluate=True,
    )


def failing(figures, limits=None) -> set[str]:
    return {v.code for v in check(figures, limits or Limits()).failures}


CASES = [
    # (id, figures, codes that fail)
    ("single-at-every-limit", single(cost=80 * K, own=40 * K, request=40 * K), set()),
    # 50 %: 40 k€ of 80 k€ is exactly half; one cent more is refused (and unbalances the plan).
    ("half-exactly", single(cost=60 * K, own=30 * K, request=30 * K), set()),
    ("half-plus-one-cent", single(cost=60 * K, own=30 * K - 1, request=30 * K + 1), {"max_share"}),
    # 20 %: own funds exactly 20 % with other public money making up the rest.
    ("own-20-exactly", single(cost=100 * K, own=20 * K, request=40 * K, other_public=40 * K), set()),
    (
        "own-one-cent-short",
        single(cost=100 * K, own=20 * K - 1, request=40 * K, other_public=40 * K + 1),
        {"own_share"},
    ),
    # 40 k€ per collectivity for a project carried alone.
    ("cap-40k-exactly", single(cost=100 * K, own=60 * K, request=40 * K), set()),
    ("cap-40k-plus-one-cent", single(cost=100 * K, own=60 * K - 1, request=40 * K + 1), {"cap"}),
    # 60 k€ per collectivity when carried by several.
    ("joint-60k-exactly", joint(60 * K, 40 * K, cost=200 * K, own=100 * K), set()),
    ("joint-60k-plus-one-cent", joint(60 * K + 1, 40 * K, cost=200 * K + 2, own=100 * K + 1), {"cap"}),
    # 60 k€ is per collectivity, not per project: 2 × 60 k€ is fine on 240 k€.
    ("joint-two-at-60k", joint(60 * K, 60 * K, cost=240 * K, own=120 * K), set()),
    ("joint-unconfirmed", joint(30 * K, 30 * K, cost=120 * K, own=60 * K, confirmed=False), {"confirmed"}),
    ("joint-shares-dont-add-up", joint(30 * K, 30 * K, cost=120 * K, own=60 * K, shares=[60 * K, 50 * K]), {"shares"}),
    ("unbalanced-plan", single(cost=100 * K, own=50 * K, request=40 * K), {"balanced"}),
    ("no-evaluation-commitment", single(cost=80 * K, own=40 * K, request=40 * K, evaluate=False), {"evaluation"}),
    ("empty-budget", single(cost=0, own=0, request=0), {"budget", "request", "max_share", "own_share"}),
]


@pytest.mark.parametrize(("figures", "expected"), [pytest.param(f, e, id=i) for i, f, e in CASES])
def test_grant_rules(figures, expected):
    assert failing(figures) == expected


def test_every_rule_cites_the_sman_and_shows_its_figures():
    result = check(single(cost=100 * K, own=60 * K - 1, request=40 * K + 1))
    cap = next(v for v in result.verdicts if v.code == "cap")
    assert cap.section == "SMAN § 4.2.1.1 « Le Fonds Métropolitain pour l'Innovation Numérique (FMIN) »"
    assert "40 000,01" in cap.detail.replace("\u202f", " ")
    batisseurs = next(v for v in result.verdicts if v.code == "batisseurs")
    assert batisseurs.section.startswith("SMAN § 4.2.1.2 « Le programme d'expérimentation") and not batisseurs.blocking


def test_limits_come_from_the_call():
    renewed = Limits(max_grant_share_bp=6000, min_own_share_bp=2000, cap_single_cents=50 * K, cap_joint_cents=70 * K)
    figures = single(cost=100 * K, own=50 * K, request=50 * K)
    assert failing(figures, renewed) == set()
    assert failing(figures) == {"cap"}


def test_capped_amount_is_the_most_the_rules_allow():
    assert capped_amount(single(cost=100 * K, own=0, request=45 * K), Limits()) == 40 * K  # cap
    assert capped_amount(single(cost=50 * K, own=0, request=30 * K), Limits()) == 25 * K  # 50 %
    assert capped_amount(joint(70 * K, 20 * K, cost=300 * K, own=0), Limits()) == 80 * K  # 60 k€ + 20 k€
    # Odd cents: half of 10 000,01 € is rounded down, never up.
    assert capped_amount(single(cost=1_000_001, own=0, request=600_000), Limits()) == 500_000


def test_envelope_exactly_and_one_cent_past():
    assert envelope_allows(envelope_cents=1_000_000 * 100, committed_cents=960_000 * 100, amount_cents=40_000 * 100)
    assert not envelope_allows(
        envelope_cents=1_000_000 * 100, committed_cents=960_000 * 100, amount_cents=40_000 * 100 + 1
    )


def test_amounts_in_cents_without_float_errors():
    # 0.1 + 0.2 != 0.3 in floats; in cents it is exact.
    assert parse_euros("0,10") + parse_euros("0,20") == parse_euros("0,30")
    assert parse_euros("12 345,67 €") == 1_234_567
    assert parse_euros("12.345,6") == 1_234_560
    assert parse_euros("40000") == 4_000_000
    assert format_euros(1_234_567) == "12\u202f345,67\u00a0€"
    assert percent(1, 3) == "33,3\u00a0%"
    # Three requests of 33 333,33 € on 199 999,98 € are exactly half.
    figures = joint(3_333_333, 3_333_333, 3_333_333, cost=19_999_998, own=9_999_999, shares=[6_666_666] * 3)
    assert "max_share" not in failing(figures)
    with pytest.raises(ValueError):
        parse_euros("douze euros")
