package keys

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"os"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/edwards25519"
	"golang.org/x/crypto/ssh"
)

// The ssh-to-age vectors are computed independently of this package:
//
//   - testdata/sshtoage_vector.txt was computed once from testdata/ssh_ed25519 (a throwaway
//     key made with `ssh-keygen -t ed25519 -N ''`) by testdata/sshtoage_vector.py, a
//     standard-library-only Python script that parses the OpenSSH key container, applies
//     u = (1+y)/(1-y) mod p and SHA-512 of the seed, and bech32-encodes the results itself:
//     `python3 testdata/sshtoage_vector.py testdata/ssh_ed25519 > testdata/sshtoage_vector.txt`.
//   - TestSSHToAgeAgainstEdwards25519 and FuzzEdwardsToMontgomery compare the math/big map
//     with filippo.io/edwards25519's BytesMontgomery (the function ssh-to-age itself calls).
//   - Every converted identity's own X25519 recipient, as age computes it, must equal the
//     converted public key.

func readVector(t *testing.T) (recipient, identity string) {
	t.Helper()
	f, err := os.Open("testdata/sshtoage_vector.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), " ")
		switch k {
		case "recipient":
			recipient = v
		case "identity":
			identity = v
		}
	}
	if recipient == "" || identity == "" {
		t.Fatal("incomplete vector file")
	}
	return recipient, identity
}

func TestSSHToAgeFixedVector(t *testing.T) {
	wantR, wantI := readVector(t)
	pub, err := os.ReadFile("testdata/ssh_ed25519.pub")
	if err != nil {
		t.Fatal(err)
	}
	gotR, err := SSHToAgeRecipient(pub)
	if err != nil {
		t.Fatal(err)
	}
	if gotR != wantR {
		t.Errorf("recipient = %s, want %s", gotR, wantR)
	}
	priv, err := os.ReadFile("testdata/ssh_ed25519")
	if err != nil {
		t.Fatal(err)
	}
	gotI, err := SSHToAgeIdentity(priv, nil)
	if err != nil {
		t.Fatal(err)
	}
	if gotI != wantI {
		t.Errorf("identity differs from the independent vector (lengths %d, %d)", len(gotI), len(wantI))
	}
}

func TestSSHToAgePassphraseKey(t *testing.T) {
	priv, _ := os.ReadFile("testdata/ssh_ed25519_passphrase")
	pub, _ := os.ReadFile("testdata/ssh_ed25519_passphrase.pub")
	if _, err := SSHToAgeIdentity(priv, nil); !errors.Is(err, ErrPassphraseNeeded) {
		t.Fatalf("no passphrase: want ErrPassphraseNeeded, got %v", err)
	}
	if _, err := SSHToAgeIdentity(priv, []byte("wrong")); err == nil {
		t.Fatal("wrong passphrase accepted")
	}
	id, err := SSHToAgeIdentity(priv, []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := SSHToAgeRecipient(pub)
	if err != nil {
		t.Fatal(err)
	}
	checkIdentityMatches(t, id, r)
}

func checkIdentityMatches(t *testing.T, identity, recipient string) {
	t.Helper()
	x, err := age.ParseX25519Identity(identity)
	if err != nil {
		t.Fatalf("converted identity does not parse: %v", err)
	}
	if got := x.Recipient().String(); got != recipient {
		t.Fatalf("identity's recipient %s != converted public key %s", got, recipient)
	}
}

func TestSSHToAgeAgainstEdwards25519(t *testing.T) {
	for range 50 {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		p, err := new(edwards25519.Point).SetBytes(pub)
		if err != nil {
			t.Fatal(err)
		}
		got, err := edwardsToMontgomery(pub)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, p.BytesMontgomery()) {
			t.Fatalf("map differs from edwards25519 for %x", []byte(pub))
		}
		sshPub, err := ssh.NewPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		r, err := SSHToAgeRecipient(ssh.MarshalAuthorizedKey(sshPub))
		if err != nil {
			t.Fatal(err)
		}
		block, err := ssh.MarshalPrivateKey(priv, "")
		if err != nil {
			t.Fatal(err)
		}
		id, err := SSHToAgeIdentity(pem.EncodeToMemory(block), nil)
		if err != nil {
			t.Fatal(err)
		}
		checkIdentityMatches(t, id, r)
	}
}

func TestSSHToAgeRecipientsFormats(t *testing.T) {
	wantR, _ := readVector(t)
	pub, _ := os.ReadFile("testdata/ssh_ed25519.pub")
	rsa, _ := os.ReadFile("testdata/ssh_rsa.pub")
	fields := strings.Fields(string(pub))
	knownHosts := "host.example,10.0.0.1 " + fields[0] + " " + fields[1] + "\n"
	keyscan := "# host.example:22 SSH-2.0-OpenSSH_9.6\n" + string(rsa) + knownHosts
	for name, in := range map[string]string{"authorized_keys": string(pub), "known_hosts": knownHosts, "keyscan": keyscan} {
		keys, err := SSHToAgeRecipients([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(keys) != 1 || keys[0].Recipient != wantR {
			t.Fatalf("%s: got %+v", name, keys)
		}
	}
	if _, err := SSHToAgeRecipient(rsa); !errors.Is(err, ErrNotEd25519) {
		t.Fatalf("rsa: want ErrNotEd25519, got %v", err)
	}
	if _, err := SSHToAgeRecipient([]byte("garbage")); err == nil {
		t.Fatal("garbage accepted")
	}
	priv, _ := os.ReadFile("testdata/ssh_rsa")
	if _, err := SSHToAgeIdentity(priv, nil); !errors.Is(err, ErrNotEd25519) {
		t.Fatalf("rsa private: want ErrNotEd25519, got %v", err)
	}
}

func TestBech32AgainstAge(t *testing.T) {
	// age's decoder is the authority: what we encode must round-trip through it.
	for range 20 {
		var b [32]byte
		rand.Read(b[:])
		s, err := bech32Encode("AGE-SECRET-KEY-", b[:])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := age.ParseX25519Identity(strings.ToUpper(s)); err != nil {
			t.Fatalf("age rejects our bech32: %v", err)
		}
	}
}

// FuzzEdwardsToMontgomery checks the math/big map against filippo.io/edwards25519 on any
// 32 bytes: same accept/reject decision, same output. The one deliberate difference: the
// neutral element (u = 0, no usable key) is an error here.
func FuzzEdwardsToMontgomery(f *testing.F) {
	pub, _ := os.ReadFile("testdata/ssh_ed25519.pub")
	if k, _, _, _, err := ssh.ParseAuthorizedKey(pub); err == nil {
		f.Add([]byte(k.(ssh.CryptoPublicKey).CryptoPublicKey().(ed25519.PublicKey)))
	}
	f.Add(make([]byte, 32))
	one := make([]byte, 32)
	one[0] = 1
	f.Add(one)
	f.Add(bytes.Repeat([]byte{0xff}, 32))
	// x = 0 with the sign bit set, for y = 1 and y = -1: invalid encodings in RFC 8032.
	negOne := append([]byte{0xec}, bytes.Repeat([]byte{0xff}, 31)...)
	f.Add(negOne)
	oneSigned := append([]byte(nil), one...)
	oneSigned[31] |= 0x80
	f.Add(oneSigned)
	// y = -1 without sign bit: the order-2 point (u = 0 as well).
	negOneClean := append([]byte(nil), negOne...)
	negOneClean[31] = 0x7f
	f.Add(negOneClean)
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) != 32 {
			if _, err := edwardsToMontgomery(in); err == nil {
				t.Fatal("accepted wrong length")
			}
			return
		}
		got, err := edwardsToMontgomery(in)
		p, perr := new(edwards25519.Point).SetBytes(in)
		if perr != nil {
			if err == nil {
				t.Fatalf("accepted %x, edwards25519 rejects: %v", in, perr)
			}
			return
		}
		want := p.BytesMontgomery()
		if err != nil {
			if bytes.Equal(want, make([]byte, 32)) {
				return // neutral element
			}
			t.Fatalf("rejected %x, edwards25519 accepts: %v", in, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%x: got %x want %x", in, got, want)
		}
	})
}
