package keys

import (
	"errors"
	"math/big"
)

// The birational map from the twisted Edwards curve edwards25519 to the Montgomery curve
// Curve25519 (RFC 7748, section 4.1): u = (1 + y) / (1 - y) mod p. This is how ssh-to-age turns
// an ssh-ed25519 host key into an age X25519 recipient.
//
// It is written with math/big rather than an Edwards point library on purpose: the tests
// check it against filippo.io/edwards25519's BytesMontgomery, which only means something if
// the two are separate implementations. Speed does not matter here (one call per key).

var (
	fieldP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	// curveD is -121665/121666 mod p, the edwards25519 constant.
	curveD = func() *big.Int {
		n := new(big.Int).Neg(big.NewInt(121665))
		inv := new(big.Int).ModInverse(big.NewInt(121666), fieldP)
		n.Mul(n, inv)
		return n.Mod(n, fieldP)
	}()
	// sqrtM1 is a square root of -1 mod p: 2^((p-1)/4).
	sqrtM1 = new(big.Int).Exp(big.NewInt(2), new(big.Int).Rsh(new(big.Int).Sub(fieldP, big.NewInt(1)), 2), fieldP)
)

var errNotOnCurve = errors.New("not a valid ed25519 public key (not a point on the curve)")

// edwardsToMontgomery converts a 32-byte encoded ed25519 public key to the 32-byte
// little-endian X25519 u coordinate. It accepts what RFC 8032 decoding accepts plus
// non-canonical y (as filippo.io/edwards25519 does, and so ssh-to-age), and rejects encodings
// that are not points.
func edwardsToMontgomery(pub []byte) ([]byte, error) {
	if len(pub) != 32 {
		return nil, errors.New("ed25519 public key must be 32 bytes")
	}
	le := make([]byte, 32)
	copy(le, pub)
	sign := le[31] >> 7
	le[31] &= 0x7f
	y := new(big.Int).SetBytes(reverse(le))
	y.Mod(y, fieldP)

	// Decompression check: x^2 = (y^2 - 1) / (d y^2 + 1) must have a root.
	one := big.NewInt(1)
	y2 := new(big.Int).Mul(y, y)
	y2.Mod(y2, fieldP)
	num := new(big.Int).Sub(y2, one)
	num.Mod(num, fieldP)
	den := new(big.Int).Mul(curveD, y2)
	den.Add(den, one)
	den.Mod(den, fieldP)
	x2 := new(big.Int).ModInverse(den, fieldP)
	if x2 == nil {
		return nil, errNotOnCurve
	}
	x2.Mul(x2, num)
	x2.Mod(x2, fieldP)
	// Candidate root x = x2^((p+3)/8), corrected by sqrt(-1) when needed.
	exp := new(big.Int).Add(fieldP, big.NewInt(3))
	exp.Rsh(exp, 3)
	x := new(big.Int).Exp(x2, exp, fieldP)
	if chk := new(big.Int).Mul(x, x); chk.Mod(chk, fieldP).Cmp(x2) != 0 {
		x.Mul(x, sqrtM1)
		x.Mod(x, fieldP)
		if chk := new(big.Int).Mul(x, x); chk.Mod(chk, fieldP).Cmp(x2) != 0 {
			return nil, errNotOnCurve
		}
	}
	if x.Sign() == 0 && sign == 1 {
		return nil, errNotOnCurve
	}

	// u = (1 + y) / (1 - y); y = 1 is the neutral element, whose u would be 0: no usable key.
	oneMinusY := new(big.Int).Sub(one, y)
	oneMinusY.Mod(oneMinusY, fieldP)
	if oneMinusY.Sign() == 0 {
		return nil, errors.New("ed25519 public key is the neutral element")
	}
	u := new(big.Int).ModInverse(oneMinusY, fieldP)
	u.Mul(u, new(big.Int).Add(one, y))
	u.Mod(u, fieldP)
	out := make([]byte, 32)
	u.FillBytes(out)
	return reverse(out), nil
}

// reverse reverses b in place (little-endian <-> big.Int's big-endian) and returns it.
func reverse(b []byte) []byte {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return b
}
