package keys

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// BenchmarkUnwrapAge measures what the install engine pays per sops file per age master key:
// one armored blob, the data key out. "ids=3,match=last" has the matching identity last in
// load order, which the last-success ordering turns into the one-identity case after the
// first call. "naive" parses the identity and decrypts with age directly on every call, for
// comparison.
func BenchmarkUnwrapAge(b *testing.B) {
	var ids []string
	var rcpts []string
	for range 3 {
		id, r, err := GenerateX25519()
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
		rcpts = append(rcpts, r)
	}
	enc, err := WrapAge(dataKey(), rcpts[2])
	if err != nil {
		b.Fatal(err)
	}
	blob := []byte(enc)

	run := func(b *testing.B, set *Set) {
		b.ReportAllocs()
		for b.Loop() {
			k, err := set.UnwrapAge(blob)
			if err != nil || len(k) != 32 {
				b.Fatal(err)
			}
		}
	}
	b.Run("ids=1", func(b *testing.B) {
		set, err := Load(LoadOptions{Getenv: envOf(map[string]string{"SOPS_AGE_KEY": ids[2]}), NoDefaults: true})
		if err != nil {
			b.Fatal(err)
		}
		run(b, set)
	})
	b.Run("ids=3,match=last", func(b *testing.B) {
		set, err := Load(LoadOptions{Getenv: envOf(map[string]string{"SOPS_AGE_KEY": strings.Join(ids, "\n")}), NoDefaults: true})
		if err != nil {
			b.Fatal(err)
		}
		run(b, set)
	})
	b.Run("parallel", func(b *testing.B) {
		set, _ := Load(LoadOptions{Getenv: envOf(map[string]string{"SOPS_AGE_KEY": strings.Join(ids, "\n")}), NoDefaults: true})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := set.UnwrapAge(blob); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("ids=1,age.Decrypt", func(b *testing.B) {
		// The same identity, parsed once, through age's streaming reader: the cost the
		// one-chunk path removes.
		parsed, err := age.ParseX25519Identity(ids[2])
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			r, err := age.Decrypt(armor.NewReader(bytes.NewReader(blob)), parsed)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadAll(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("naive", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			parsed, err := age.ParseIdentities(strings.NewReader(strings.Join(ids, "\n")))
			if err != nil {
				b.Fatal(err)
			}
			r, err := age.Decrypt(armor.NewReader(bytes.NewReader(blob)), parsed...)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadAll(r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
