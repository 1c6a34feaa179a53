"""Ticket codes: unique, typo-proof, unpredictable."""

from collections import Counter

from passnumerique import codes


def test_one_million_codes_are_unique_and_well_formed():
    generated = [codes.generate() for _ in range(1_000_000)]
    assert len(set(generated)) == 1_000_000
    assert all(codes.is_well_formed(c) for c in generated[:10_000])
    assert all(len(c) == 13 and set(c) <= set(codes.ALPHABET) for c in generated[:10_000])


def test_every_single_symbol_typo_and_adjacent_swap_is_caught():
    for _ in range(300):
        code = codes.generate()
        for i, original in enumerate(code):
            for symbol in codes.ALPHABET:
                if symbol != original:
                    assert not codes.is_well_formed(code[:i] + symbol + code[i + 1 :]), (code, i, symbol)
        for i in range(len(code) - 1):
            if code[i] != code[i + 1]:
                assert not codes.is_well_formed(code[:i] + code[i + 1] + code[i] + code[i + 2 :]), (code, i)


def test_what_people_type_is_normalised():
    code = codes.generate()
    typed = codes.display(code).lower().replace("0", "o").replace("1", "l")
    assert codes.normalise(typed) == code
    assert codes.normalise(f"  {code[:4]} {code[4:8]} - {code[8:]} ") == code


def test_codes_are_not_predictable_from_each_other():
    sample = [codes.generate() for _ in range(20_000)]
    # Each position of the body is uniform over the 32 symbols (chi-square, 31 degrees of freedom;
    # 70 is far beyond the 0.01 % tail, so this fails only if the generator is biased).
    for position in range(codes.BODY_LENGTH):
        counts = Counter(c[position] for c in sample)
        expected = len(sample) / 32
        chi2 = sum((counts.get(s, 0) - expected) ** 2 / expected for s in codes.ALPHABET)
        assert chi2 < 70, (position, chi2)
    # Consecutive codes share no more symbols in place than independent ones would (12/32 on average).
    same = [sum(a == b for a, b in zip(x[:12], y[:12], strict=True)) for x, y in zip(sample, sample[1:], strict=False)]
    assert sum(same) / len(same) < 0.5
    assert max(same) <= 6
