package sopsfile

import (
	"crypto/rand"
	"errors"
	"fmt"
)

// Shamir secret sharing of the data key across key groups, compatible with sops' shamir
// package (which comes from HashiCorp Vault). The facts compatibility depends on:
//
//   - arithmetic in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (0x11B, the AES field);
//   - one random polynomial of degree threshold-1 per secret byte, whose constant term is
//     that byte;
//   - share i (0-based, in key group order) is the evaluations at x = i+1 of every byte's
//     polynomial, followed by one byte holding x itself;
//   - recovery is Lagrange interpolation at x = 0 over all shares given.
//
// The implementation below is our own; field multiplication is branch-free so its timing does
// not depend on the (secret) operands.

// gfMul multiplies in GF(2^8) with the AES reduction polynomial, in constant time.
func gfMul(a, b byte) byte {
	var p byte
	for i := 0; i < 8; i++ {
		// p += a if the low bit of b is set
		p ^= a & -(b & 1)
		// a *= x, reducing by 0x1B when the high bit falls off
		carry := a >> 7
		a = a<<1 ^ (0x1B & -carry)
		b >>= 1
	}
	return p
}

// gfInv is the multiplicative inverse (a^254); gfInv(0) is 0.
func gfInv(a byte) byte {
	// Square-and-multiply over the fixed exponent 254 = 0b11111110.
	r := byte(1)
	x := a
	for e := 254; e > 0; e >>= 1 {
		if e&1 == 1 {
			r = gfMul(r, x)
		}
		x = gfMul(x, x)
	}
	return r
}

// shamirSplit shares secret into n parts, any k of which recover it.
func shamirSplit(secret []byte, n, k int) ([][]byte, error) {
	switch {
	case k < 2:
		return nil, errors.New("shamir: threshold must be at least 2")
	case n < k:
		return nil, errors.New("shamir: fewer key groups than the threshold")
	case n > 255:
		return nil, errors.New("shamir: at most 255 key groups")
	case len(secret) == 0:
		return nil, errors.New("shamir: empty secret")
	}
	coef := make([]byte, k) // coef[0] is the secret byte, the rest random
	defer clear(coef)
	shares := make([][]byte, n)
	for i := range shares {
		shares[i] = make([]byte, len(secret)+1)
		shares[i][len(secret)] = byte(i + 1)
	}
	for j, s := range secret {
		coef[0] = s
		if _, err := rand.Read(coef[1:]); err != nil {
			return nil, fmt.Errorf("shamir: %w", err)
		}
		for i := range shares {
			shares[i][j] = gfEval(coef, byte(i+1))
		}
	}
	return shares, nil
}

// gfEval evaluates the polynomial with coefficients coef (constant term first) at x (Horner).
func gfEval(coef []byte, x byte) byte {
	y := coef[len(coef)-1]
	for i := len(coef) - 2; i >= 0; i-- {
		y = gfMul(y, x) ^ coef[i]
	}
	return y
}

// shamirCombine recovers the secret from shares (at least the threshold, which the shares do
// not record: fewer give a wrong secret, which the values' authentication then rejects).
func shamirCombine(shares [][]byte) ([]byte, error) {
	return shamirAt(shares, 0)
}

// shamirAt interpolates the shared polynomials at x and returns their values, one per secret
// byte: at 0 the secret, at i+1 the share of group i (used to keep the shares of groups we
// could not open unchanged when rewrapping).
func shamirAt(shares [][]byte, x byte) ([]byte, error) {
	if len(shares) < 2 {
		return nil, errors.New("shamir: need at least two shares")
	}
	l := len(shares[0])
	if l < 2 {
		return nil, errors.New("shamir: share too short")
	}
	xs := make([]byte, len(shares))
	for i, s := range shares {
		if len(s) != l {
			return nil, errors.New("shamir: shares of different lengths")
		}
		xs[i] = s[l-1]
		if xs[i] == 0 {
			return nil, errors.New("shamir: share with x = 0")
		}
		for j := 0; j < i; j++ {
			if xs[j] == xs[i] {
				return nil, errors.New("shamir: duplicate share")
			}
		}
	}
	// Lagrange basis values at x, the same for every byte.
	basis := make([]byte, len(shares))
	for i := range shares {
		b := byte(1)
		for j := range shares {
			if i != j {
				b = gfMul(b, gfMul(x^xs[j], gfInv(xs[i]^xs[j])))
			}
		}
		basis[i] = b
	}
	out := make([]byte, l-1)
	for j := range out {
		var y byte
		for i, s := range shares {
			y ^= gfMul(s[j], basis[i])
		}
		out[j] = y
	}
	return out, nil
}
