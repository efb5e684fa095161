//! Polynomials of the ceremony (SPEC.md §10.5, §10.7; `crate::notes::threshold`): evaluation of a polynomial and of
//! its commitments at a trustee's index, and Lagrange interpolation of its coefficients.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::VartimeMultiscalarMul;
use curve25519_dalek::Scalar;

use crate::group::GroupElement;

/// `Σ_k j^k·C_k`, variable time (public data).
pub(super) fn eval_commitments(coefficients: &[GroupElement], j: u16) -> RistrettoPoint {
    let x = Scalar::from(j);
    let mut powers = Vec::with_capacity(coefficients.len());
    let mut p = Scalar::ONE;
    for _ in coefficients {
        powers.push(p);
        p *= x;
    }
    RistrettoPoint::vartime_multiscalar_mul(&powers, coefficients.iter().map(GroupElement::point))
}

/// `f(j) = Σ_k c_k·j^k`, by Horner.
pub(super) fn eval_poly(coefficients: &[Scalar], j: u16) -> Scalar {
    let x = Scalar::from(j);
    coefficients.iter().rev().fold(Scalar::ZERO, |acc, a| acc * x + a)
}

/// The coefficients of the polynomial of degree `< points.len()` through `(x_m, y_m)` (Lagrange).
pub(super) fn interpolate(points: &[(u16, Scalar)]) -> Vec<Scalar> {
    let mut out = vec![Scalar::ZERO; points.len()];
    for (m, &(xm, ym)) in points.iter().enumerate() {
        // basis = Π_{l≠m} (z − x_l) / (x_m − x_l), built coefficient by coefficient.
        let mut basis = vec![Scalar::ONE];
        let mut den = Scalar::ONE;
        for (l, &(xl, _)) in points.iter().enumerate() {
            if l == m {
                continue;
            }
            let xl_s = Scalar::from(xl);
            let mut next = vec![Scalar::ZERO; basis.len() + 1];
            for (k, b) in basis.iter().enumerate() {
                next[k + 1] += b;
                next[k] -= b * xl_s;
            }
            basis = next;
            den *= Scalar::from(xm) - xl_s;
        }
        let f = ym * den.invert();
        for (o, b) in out.iter_mut().zip(&basis) {
            *o += f * b;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::threshold::lagrange_at_zero;

    #[test]
    fn interpolation_recovers_the_coefficients() {
        let coeffs = [Scalar::from(7u8), Scalar::from(3u8), Scalar::from(11u8)];
        let points: Vec<(u16, Scalar)> = [2u16, 5, 9].iter().map(|&x| (x, eval_poly(&coeffs, x))).collect();
        assert_eq!(interpolate(&points), coeffs);
    }

    #[test]
    fn lagrange_at_zero_agrees_with_interpolation() {
        let points = [(1u16, Scalar::from(5u8)), (3, Scalar::from(8u8))];
        let c = interpolate(&points);
        let at0: Scalar = points.iter().map(|&(x, y)| lagrange_at_zero(x, &[1, 3]) * y).sum();
        assert_eq!(c[0], at0);
    }
}
