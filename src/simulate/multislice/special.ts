/**
 * Special functions for the analytic projected potentials: modified Bessel functions of the
 * second kind K0, K1 and the error function. Polynomial approximations with the published
 * coefficients of Abramowitz & Stegun, Handbook of Mathematical Functions (1964):
 * I0/I1 §9.8.1–9.8.4, K0 §9.8.5–9.8.6, K1 §9.8.7–9.8.8 (|ε| < 2e-7 relative), erf §7.1.26
 * (|ε| ≤ 1.5e-7 absolute).
 */

function i0(x: number): number {
  const t = (x / 3.75) ** 2;
  return (
    1 +
    t *
      (3.5156229 +
        t * (3.0899424 + t * (1.2067492 + t * (0.2659732 + t * (0.0360768 + t * 0.0045813)))))
  );
}

function i1(x: number): number {
  const t = (x / 3.75) ** 2;
  return (
    x *
    (0.5 +
      t *
        (0.87890594 +
          t *
            (0.51498869 + t * (0.15084934 + t * (0.02658733 + t * (0.00301532 + t * 0.00032411))))))
  );
}

/** K0(x) for x > 0. */
export function besselK0(x: number): number {
  if (x <= 2) {
    const t = (x / 2) ** 2;
    return (
      -Math.log(x / 2) * i0(x) +
      (-0.57721566 +
        t *
          (0.4227842 +
            t *
              (0.23069756 + t * (0.0348859 + t * (0.00262698 + t * (0.0001075 + t * 0.0000074))))))
    );
  }
  const t = 2 / x;
  return (
    (Math.exp(-x) / Math.sqrt(x)) *
    (1.25331414 +
      t *
        (-0.07832358 +
          t *
            (0.02189568 +
              t * (-0.01062446 + t * (0.00587872 + t * (-0.0025154 + t * 0.00053208))))))
  );
}

/** K1(x) for x > 0. */
export function besselK1(x: number): number {
  if (x <= 2) {
    const t = (x / 2) ** 2;
    return (
      Math.log(x / 2) * i1(x) +
      (1 / x) *
        (1 +
          t *
            (0.15443144 +
              t *
                (-0.67278579 +
                  t * (-0.18156897 + t * (-0.01919402 + t * (-0.00110404 + t * -0.00004686))))))
    );
  }
  const t = 2 / x;
  return (
    (Math.exp(-x) / Math.sqrt(x)) *
    (1.25331414 +
      t *
        (0.23498619 +
          t *
            (-0.0365562 +
              t * (0.01504268 + t * (-0.00780353 + t * (0.00325614 + t * -0.00068245))))))
  );
}

/** erf(x). */
export function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    t *
      (0.254829592 +
        t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
      Math.exp(-a * a);
  return s * y;
}
