package sopsfile

import (
	"bytes"
	"testing"
)

// Field facts from FIPS-197 (the AES field, 0x11B): {57}·{83} = {c1}, {57}·{13} = {fe}, and the
// inverse of {53} is {ca}.
func TestGFArithmetic(t *testing.T) {
	if gfMul(0x57, 0x83) != 0xc1 || gfMul(0x57, 0x13) != 0xfe {
		t.Fatal("gfMul disagrees with FIPS-197")
	}
	if gfInv(0x53) != 0xca || gfInv(0) != 0 {
		t.Fatal("gfInv")
	}
	for a := 1; a < 256; a++ {
		if gfMul(byte(a), gfInv(byte(a))) != 1 {
			t.Fatalf("a·a⁻¹ != 1 for %d", a)
		}
	}
}

func TestShamirSplitCombine(t *testing.T) {
	secret := testKey()
	shares, err := shamirSplit(secret, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range shares {
		if len(s) != 33 || s[32] != byte(i+1) {
			t.Fatalf("share %d layout: len %d, x %d", i, len(s), s[len(s)-1])
		}
	}
	for _, pick := range [][]int{{0, 1}, {1, 2}, {0, 2}, {2, 0}, {0, 1, 2}} {
		var ps [][]byte
		for _, i := range pick {
			ps = append(ps, shares[i])
		}
		got, err := shamirCombine(ps)
		if err != nil || !bytes.Equal(got, secret) {
			t.Errorf("combine %v: wrong secret (%v)", pick, err)
		}
	}
	// Re-deriving a missing share from two others gives the original share.
	y, err := shamirAt([][]byte{shares[0], shares[2]}, 2)
	if err != nil || !bytes.Equal(append(y, 2), shares[1]) {
		t.Errorf("shamirAt: share 1 not recovered (%v)", err)
	}
	// One share alone says nothing; fewer than the threshold gives a wrong secret.
	s3, _ := shamirSplit(secret, 3, 3)
	if got, _ := shamirCombine(s3[:2]); bytes.Equal(got, secret) {
		t.Error("2 of a 3-of-3 split recovered the secret")
	}
	for _, bad := range []struct{ n, k int }{{3, 1}, {2, 3}, {256, 2}} {
		if _, err := shamirSplit(secret, bad.n, bad.k); err == nil {
			t.Errorf("split %d/%d accepted", bad.n, bad.k)
		}
	}
	if _, err := shamirCombine([][]byte{shares[0], shares[0]}); err == nil {
		t.Error("duplicate shares accepted")
	}
	if _, err := shamirCombine([][]byte{shares[0], shares[1][:5]}); err == nil {
		t.Error("shares of different lengths accepted")
	}
}
