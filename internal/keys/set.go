package keys

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"filippo.io/age"
	"github.com/ProtonMail/go-crypto/openpgp"
)

// setState is what a Set holds (api.go keeps the Set type itself small): identities parsed
// once by Load, read-only afterwards except for the atomic last-success index, so every
// method is safe for concurrent use (install decrypts many files in parallel).
type setState struct {
	ages []loadedIdentity
	// orders[i] is the identity list with identity i first. UnwrapAge tries the identity that
	// last succeeded first: on a host with several keys, a run of files encrypted to the same
	// key costs one X25519 operation each instead of one per key.
	orders [][]age.Identity
	last   atomic.Int32

	pgp       []pgpKey
	gpg       *gpgHome
	searched  []string
	skipped   []string
	pgpPrompt func(string) ([]byte, error)
}

// recordingIdentity remembers which identity unwrapped last.
type recordingIdentity struct {
	inner age.Identity
	index int32
	last  *atomic.Int32
}

func (r *recordingIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	k, err := r.inner.Unwrap(stanzas)
	if err == nil && r.last.Load() != r.index {
		r.last.Store(r.index)
	}
	return k, err
}

// buildOrders precomputes the identity lists UnwrapAge hands to age. Plugin identities
// always come last (as age itself orders them): they start a program and may ask for a
// touch or PIN, which must not happen for a file a native key opens.
func (s *setState) buildOrders() {
	var native, plugins []age.Identity
	for i, l := range s.ages {
		w := &recordingIdentity{inner: l.id, index: int32(i), last: &s.last}
		if l.plugin {
			plugins = append(plugins, w)
		} else {
			native = append(native, w)
		}
	}
	s.orders = make([][]age.Identity, len(s.ages))
	for i := range s.ages {
		o := make([]age.Identity, 0, len(s.ages))
		// Identity i first when it is native; plugins never jump the queue.
		pos := -1
		for j, w := range native {
			if w.(*recordingIdentity).index == int32(i) {
				pos = j
			}
		}
		if pos >= 0 {
			o = append(o, native[pos])
			o = append(o, native[:pos]...)
			o = append(o, native[pos+1:]...)
		} else {
			o = append(o, native...)
		}
		o = append(o, plugins...)
		s.orders[i] = o
	}
}

func (s *setState) unwrapAge(enc []byte) ([]byte, error) {
	if len(s.orders) == 0 {
		return nil, fmt.Errorf("age: %w: no age identity loaded%s", ErrNoIdentity, s.lookedIn())
	}
	ids := s.orders[0]
	if i := s.last.Load(); i > 0 && int(i) < len(s.orders) {
		ids = s.orders[i]
	}
	out, err := decryptBlob(enc, ids...)
	if err != nil {
		var nomatch *age.NoIdentityMatchError
		if errors.As(err, &nomatch) {
			return nil, fmt.Errorf("age: %w (tried %d identities)", ErrNoIdentity, len(ids))
		}
		return nil, fmt.Errorf("age: %w", err)
	}
	return out, nil
}

func (s *setState) lookedIn() string {
	var parts []string
	if len(s.searched) > 0 {
		parts = append(parts, "looked in "+strings.Join(s.searched, ", "))
	}
	if len(s.skipped) > 0 {
		parts = append(parts, "skipped "+strings.Join(s.skipped, "; "))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

var armorHeader = []byte("-----BEGIN AGE ENCRYPTED FILE-----")

// decryptBlob decrypts a small age file, armored or binary, into memory.
func decryptBlob(enc []byte, ids ...age.Identity) ([]byte, error) {
	bin, err := dearmor(enc)
	if err != nil {
		return nil, err
	}
	if out, ok, err := decryptSmall(bin, ids); ok {
		return out, err
	}
	return decryptStream(bin, ids)
}

func (s *setState) describe() []string {
	var out []string
	for _, l := range s.ages {
		out = append(out, l.describe())
	}
	for _, k := range s.pgp {
		out = append(out, fmt.Sprintf("pgp %s (from %s)", k.fingerprint, k.source))
	}
	if s.gpg != nil {
		out = append(out, "pgp keys in the GnuPG keyring "+s.gpg.describe())
	}
	return out
}

func (s *setState) ageRecipients() []string {
	var out []string
	for _, l := range s.ages {
		if l.recipient != "" {
			out = append(out, l.recipient)
		}
	}
	return out
}

// pgpKey is one OpenPGP key read from an armored key file.
type pgpKey struct {
	entity      *openpgp.Entity
	fingerprint string
	source      string
}
