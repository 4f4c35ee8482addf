package sopsfile

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hush-nix/hush/internal/keys"
)

// Getting the data key out of the master keys, and wrapping a data key for recipients.
//
// Within a group every key wraps the same bytes (the data key, or the group's Shamir share),
// so one success per group is enough. Like sops we try age before pgp. With key groups we stop
// as soon as the threshold is met: with hardware keys every extra group is an extra prompt.

// unwrapper is what Decrypt needs from a key set (keys.Set implements it; tests may use a
// double).
type unwrapper interface {
	UnwrapAge(enc []byte) ([]byte, error)
	UnwrapPGP(fp string, enc []byte) ([]byte, error)
	Describe() []string
}

// wrapper wraps a data key or share; the default calls package keys.
type wrapper interface {
	WrapAge(data []byte, recipient string) (string, error)
	WrapPGP(data []byte, fp, gnupgHome string) (string, error)
}

type keysWrapper struct{}

func (keysWrapper) WrapAge(d []byte, r string) (string, error) { return keys.WrapAge(d, r) }
func (keysWrapper) WrapPGP(d []byte, fp, home string) (string, error) {
	return keys.WrapPGP(d, fp, home)
}

// defaultWrapper is replaced by tests only.
var defaultWrapper wrapper = keysWrapper{}

// ErrUnsupportedKeys means the file can only be opened with master keys hush does not
// implement (kms, gcp_kms, hckms, azure_kv, hc_vault).
var ErrUnsupportedKeys = errors.New("only master keys hush does not support can decrypt this file")

// ErrNoKey means none of the loaded identities opens the file.
var ErrNoKey = errors.New("no identity can decrypt the data key")

// recoveredKey is the data key and the shares it came from (group index -> share), which
// Rewrap needs to keep the other groups' shares valid.
type recoveredKey struct {
	key    []byte
	shares map[int][]byte
}

func threshold(m *Metadata) int {
	if len(m.KeyGroups) <= 1 {
		return 1
	}
	if m.ShamirThreshold > 0 {
		return m.ShamirThreshold
	}
	return len(m.KeyGroups)
}

func recoverDataKey(m *Metadata, ids unwrapper) (*recoveredKey, error) {
	need := threshold(m)
	got := map[int][]byte{}
	var groupErrs []string
	for gi, g := range m.KeyGroups {
		if len(got) >= need {
			break
		}
		part, err := openGroup(g, ids)
		if err != nil {
			groupErrs = append(groupErrs, fmt.Sprintf("group %d: %v", gi, err))
			continue
		}
		got[gi] = part
	}
	if len(got) < need {
		return nil, keyError(m, ids, need, len(got), groupErrs)
	}
	rk := &recoveredKey{shares: got}
	if len(m.KeyGroups) <= 1 {
		for _, p := range got {
			rk.key = p
		}
	} else {
		parts := make([][]byte, 0, len(got))
		for _, gi := range sortedKeys(got) {
			parts = append(parts, got[gi])
		}
		k, err := shamirCombine(parts)
		if err != nil {
			return nil, fmt.Errorf("combining the key groups' shares: %w", err)
		}
		rk.key = k
	}
	if len(rk.key) != 32 {
		return nil, fmt.Errorf("the recovered data key is %d bytes, want 32 (corrupt master key entry?)", len(rk.key))
	}
	return rk, nil
}

func sortedKeys(m map[int][]byte) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func openGroup(g KeyGroup, ids unwrapper) ([]byte, error) {
	var errs []string
	for _, k := range g.Age {
		p, err := ids.UnwrapAge([]byte(k.Enc))
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, keys.ErrNoIdentity) {
			errs = append(errs, fmt.Sprintf("age %s: %v", k.Recipient, err))
		}
	}
	for _, k := range g.PGP {
		p, err := ids.UnwrapPGP(k.Fingerprint, []byte(k.Enc))
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, keys.ErrNoIdentity) {
			errs = append(errs, fmt.Sprintf("pgp %s: %v", k.Fingerprint, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	return nil, keys.ErrNoIdentity
}

// keyError explains why the data key could not be recovered: the file's recipients, the
// identities tried, and whether only unsupported key kinds could have opened it.
func keyError(m *Metadata, ids unwrapper, need, got int, groupErrs []string) error {
	var recips []string
	usable := false
	kinds := map[string]bool{}
	for _, g := range m.KeyGroups {
		for _, k := range g.Age {
			recips = append(recips, "age "+k.Recipient)
			usable = true
		}
		for _, k := range g.PGP {
			recips = append(recips, "pgp "+k.Fingerprint)
			usable = true
		}
		for _, o := range g.Other {
			kinds[o.Kind] = true
			recips = append(recips, o.Kind+" "+otherKeyName(o))
		}
	}
	var b strings.Builder
	base := ErrNoKey
	if !usable {
		base = ErrUnsupportedKeys
		var ks []string
		for k := range kinds {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		fmt.Fprintf(&b, " (master key kinds in the file: %s; hush supports age and pgp)", strings.Join(ks, ", "))
	}
	if need > 1 {
		fmt.Fprintf(&b, "; %d of %d key groups opened, %d needed", got, len(m.KeyGroups), need)
	}
	b.WriteString("; the file is encrypted to: ")
	b.WriteString(strings.Join(recips, ", "))
	tried := triedFor(ids.Describe(), hasPGP(m))
	if len(tried) == 0 {
		b.WriteString("; no identities were loaded (give one with --identity, or set SOPS_AGE_KEY_FILE / HUSH_AGE_KEY_FILE)")
	} else {
		b.WriteString("; identities tried: ")
		b.WriteString(strings.Join(tried, ", "))
	}
	for _, e := range groupErrs {
		if !strings.HasSuffix(e, keys.ErrNoIdentity.Error()) {
			b.WriteString("; " + e)
		}
	}
	return fmt.Errorf("%w%s", base, b.String())
}

// triedFor keeps the identities that were really tried: pgp ones (a keyring, a key file)
// only when the file has pgp master keys, so that a set up GnuPG home does not hide the
// hint that no age identity was found.
func triedFor(described []string, pgp bool) []string {
	if pgp {
		return described
	}
	var out []string
	for _, d := range described {
		if !strings.HasPrefix(d, "pgp ") {
			out = append(out, d)
		}
	}
	return out
}

func hasPGP(m *Metadata) bool {
	for _, g := range m.KeyGroups {
		if len(g.PGP) > 0 {
			return true
		}
	}
	return false
}

// otherKeyName is the identifying field of an unsupported master key, for messages.
func otherKeyName(o OtherKey) string {
	for _, f := range []string{"arn", "resource_id", "key_id", "vault_url", "vault_address"} {
		if v, ok := o.Fields.Get(f); ok {
			s, _ := v.(string)
			if o.Kind == "hc_vault" {
				if p, ok := o.Fields.Get("engine_path"); ok {
					ps, _ := p.(string)
					n, _ := o.Fields.Get("key_name")
					ns, _ := n.(string)
					return s + "/" + ps + "/" + ns
				}
			}
			return s
		}
	}
	return "(unnamed)"
}

// newDataKey returns 32 random bytes.
func newDataKey() ([]byte, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("generating a data key: %w", err)
	}
	return k, nil
}

// wrapGroups builds the key groups for r holding key. prev (may be nil) supplies existing
// entries: a recipient already present in the same group with the same share keeps its enc
// (so updatekeys without changes is a no-op), and unsupported keys of that group are kept.
// shares, when non-nil, are the shares to use per group (Rewrap keeps the old polynomial).
func wrapGroups(w wrapper, key []byte, r Recipients, shares [][]byte, prev []KeyGroup, keepPrev bool) ([]KeyGroup, int, error) {
	n := len(r.Groups)
	if n == 0 {
		return nil, 0, errors.New("no recipients")
	}
	thr := r.ShamirThreshold
	if n > 1 && thr == 0 {
		thr = n
	}
	if shares == nil {
		if n == 1 {
			shares = [][]byte{key}
		} else {
			var err error
			shares, err = shamirSplit(key, n, thr)
			if err != nil {
				return nil, 0, err
			}
		}
	}
	now := time.Now().UTC().Format(time.RFC3339)
	groups := make([]KeyGroup, n)
	for gi, gr := range r.Groups {
		if len(gr.Age)+len(gr.PGP) == 0 && !(keepPrev && gi < len(prev) && len(prev[gi].Other) > 0) {
			return nil, 0, fmt.Errorf("key group %d has no recipients", gi)
		}
		var old KeyGroup
		if keepPrev && gi < len(prev) {
			old = prev[gi]
			groups[gi].Other = append([]OtherKey(nil), old.Other...)
		}
		for _, rc := range gr.Age {
			if k, ok := findAge(old.Age, rc); ok {
				groups[gi].Age = append(groups[gi].Age, k)
				continue
			}
			enc, err := w.WrapAge(shares[gi], rc)
			if err != nil {
				return nil, 0, fmt.Errorf("wrapping the data key for age recipient %s: %w", rc, err)
			}
			groups[gi].Age = append(groups[gi].Age, AgeKey{Recipient: rc, Enc: enc})
		}
		for _, fp := range gr.PGP {
			if k, ok := findPGP(old.PGP, fp); ok {
				groups[gi].PGP = append(groups[gi].PGP, k)
				continue
			}
			enc, err := w.WrapPGP(shares[gi], fp, r.GnuPGHome)
			if err != nil {
				return nil, 0, fmt.Errorf("wrapping the data key for pgp key %s: %w", fp, err)
			}
			groups[gi].PGP = append(groups[gi].PGP, PGPKey{Fingerprint: fp, CreatedAt: now, Enc: enc})
		}
	}
	return groups, thr, nil
}

func findAge(l []AgeKey, r string) (AgeKey, bool) {
	for _, k := range l {
		if k.Recipient == r {
			return k, true
		}
	}
	return AgeKey{}, false
}

func findPGP(l []PGPKey, fp string) (PGPKey, bool) {
	for _, k := range l {
		if strings.EqualFold(k.Fingerprint, fp) {
			return k, true
		}
	}
	return PGPKey{}, false
}
