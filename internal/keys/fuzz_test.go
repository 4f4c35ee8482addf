package keys

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// Fuzz targets for the parsers. Seeds are added with f.Add; run one for longer with e.g.
//   go test ./internal/keys -run '^$' -fuzz '^FuzzParseIdentities$' -fuzztime 60s

func fuzzSeedIdentities() []string {
	id1, _, _ := GenerateX25519()
	pq, _ := age.GenerateHybridIdentity()
	ssh, _ := os.ReadFile("testdata/ssh_ed25519")
	enc, _ := os.ReadFile("testdata/ssh_ed25519_passphrase")
	return []string{
		"# created: 2024-01-01T00:00:00Z\n# public key: age1xyz\n" + id1 + "\n",
		id1 + " " + id1 + "\r\n\n#x\n",
		pq.String() + "\n",
		"AGE-PLUGIN-YUBIKEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n",
		"AGE-SECRET-KEY-1\n",
		string(ssh),
		string(enc),
		"-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n",
		"",
		"\x00\xff",
	}
}

func FuzzParseIdentities(f *testing.F) {
	for _, s := range fuzzSeedIdentities() {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, multi bool) {
		ids, err := parseIdentityData(data, "fuzz", multi, nil)
		if err != nil {
			// Errors never quote an identity-looking token.
			for _, tok := range strings.Fields(string(data)) {
				if len(tok) > 20 && strings.HasPrefix(tok, "AGE-") && strings.Contains(err.Error(), tok) {
					t.Fatalf("error quotes the input: %v", err)
				}
			}
			return
		}
		for _, l := range ids {
			if l.id == nil || l.public == "" || !strings.HasSuffix(l.source, "fuzz") {
				t.Fatalf("incomplete identity %+v", l)
			}
			if strings.Contains(l.public, "AGE-SECRET") {
				t.Fatal("public description holds a secret")
			}
		}
	})
}

func FuzzParseAgeRecipient(f *testing.F) {
	_, r, _ := GenerateX25519()
	pq, _ := age.GenerateHybridIdentity()
	pub, _ := os.ReadFile("testdata/ssh_ed25519.pub")
	rsa, _ := os.ReadFile("testdata/ssh_rsa.pub")
	for _, s := range []string{r, pq.Recipient().String(), string(pub), string(rsa),
		"age1yubikey1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq", "age1", "ssh-ed25519 AAAA", "AGE-SECRET-KEY-1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rc, err := parseRecipient(s)
		if err == nil && rc == nil {
			t.Fatal("nil recipient without error")
		}
	})
}

// FuzzDecryptBlob checks the one-chunk fast path against age.Decrypt on mutated files: when
// age decrypts, the fast path gives the same bytes; on binary input they agree on failure
// too. (The armor decoder is deliberately more lenient about line lengths than age's.)
func FuzzDecryptBlob(f *testing.F) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		f.Fatal(err)
	}
	for _, size := range []int{0, 1, 32, 1000} {
		var bin bytes.Buffer
		w, _ := age.Encrypt(&bin, id.Recipient())
		w.Write(bytes.Repeat([]byte{'k'}, size))
		w.Close()
		f.Add(bin.Bytes())
		var arm bytes.Buffer
		aw := armor.NewWriter(&arm)
		aw.Write(bin.Bytes())
		aw.Close()
		f.Add(arm.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, gotErr := decryptBlob(data, id)
		var src io.Reader = bytes.NewReader(data)
		armored := bytes.HasPrefix(bytes.TrimSpace(data), armorHeader)
		if armored {
			src = armor.NewReader(bytes.NewReader(bytes.TrimLeft(data, " \t\r\n")))
		}
		var want []byte
		r, wantErr := age.Decrypt(src, id)
		if wantErr == nil {
			want, wantErr = io.ReadAll(r)
		}
		switch {
		case wantErr == nil && gotErr != nil:
			t.Fatalf("age decrypts, fast path fails: %v", gotErr)
		case wantErr == nil && !bytes.Equal(got, want):
			t.Fatal("fast path gives different plaintext")
		case wantErr != nil && gotErr == nil && !armored:
			t.Fatalf("fast path accepts a binary file age rejects (%v)", wantErr)
		}
	})
}

func TestDecryptBlobSizes(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	for _, size := range []int{0, 1, 32, ageChunkSize - 1, ageChunkSize, ageChunkSize + 1, 3*ageChunkSize + 7} {
		plain := bytes.Repeat([]byte{byte(size)}, size)
		for _, armored := range []bool{false, true} {
			var buf bytes.Buffer
			var w io.Writer = &buf
			var aw io.WriteCloser
			if armored {
				aw = armor.NewWriter(&buf)
				w = aw
			}
			ew, _ := age.Encrypt(w, id.Recipient())
			ew.Write(plain)
			ew.Close()
			if aw != nil {
				aw.Close()
			}
			got, err := decryptBlob(buf.Bytes(), id)
			if err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("size %d armored %v: %v", size, armored, err)
			}
			// One flipped byte near the end: rejected.
			bad := bytes.Clone(buf.Bytes())
			if !armored {
				bad[len(bad)-3] ^= 1
				if _, err := decryptBlob(bad, id); err == nil {
					t.Fatalf("size %d: tampered payload accepted", size)
				}
			}
		}
	}
}
