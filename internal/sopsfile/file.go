package sopsfile

import (
	"bytes"
	"errors"
	"fmt"
)

// The File operations besides Decrypt and Encrypt: creating a file, emitting plaintext,
// re-wrapping and rotating the data key.

func parsePlain(data []byte, format Format) ([]Branch, error) {
	if format == Binary {
		// Plaintext binary input is the bytes, whatever they look like: sops encrypt
		// --input-type binary takes a file that is itself a sops JSON file as data too.
		return parseBinaryPlain(data), nil
	}
	st, err := StoreFor(format)
	if err != nil {
		return nil, err
	}
	return st.Parse(data)
}

func rulesMetadata(rules EncryptionRules, defaultSuffix bool) Metadata {
	m := Metadata{
		UnencryptedSuffix:       rules.UnencryptedSuffix,
		EncryptedSuffix:         rules.EncryptedSuffix,
		UnencryptedRegex:        rules.UnencryptedRegex,
		EncryptedRegex:          rules.EncryptedRegex,
		UnencryptedCommentRegex: rules.UnencryptedCommentRegex,
		EncryptedCommentRegex:   rules.EncryptedCommentRegex,
		MACOnlyEncrypted:        rules.MACOnlyEncrypted,
		Version:                 SopsVersion,
	}
	if defaultSuffix && m.UnencryptedSuffix == "" && m.EncryptedSuffix == "" && m.UnencryptedRegex == "" &&
		m.EncryptedRegex == "" && m.UnencryptedCommentRegex == "" && m.EncryptedCommentRegex == "" {
		m.UnencryptedSuffix = DefaultUnencryptedSuffix
	}
	return m
}

func newFile(path string, format Format, docs []Branch, r Recipients, rules EncryptionRules, w wrapper) (*File, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("%s: the file is empty: it must hold at least one document", path)
	}
	for i, d := range docs {
		if hasReservedSopsItem(d, format) {
			return nil, fmt.Errorf("%s: document %d has a top-level key %q: the file is already encrypted, or uses the key sops reserves for its metadata", path, i+1, metadataKey)
		}
	}
	if format == Binary {
		// sops ignores every rule for its single-value store: the one value is always
		// encrypted, and the metadata names no rule.
		rules = EncryptionRules{}
	}
	meta := rulesMetadata(rules, format != Binary)
	if err := validateRules(&meta); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	key, err := newDataKey()
	if err != nil {
		return nil, err
	}
	shares, err := sharesFor(key, r, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	groups, thr, err := wrapGroups(w, key, r, shares, nil, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	meta.KeyGroups, meta.ShamirThreshold, meta.UsesKeyGroups = groups, thr, len(groups) > 1
	return &File{Path: path, Format: format, Docs: docs, Meta: meta, DataKey: key, shares: shareMap(shares)}, nil
}

// sharesFor splits key for r's groups; known (group -> share), when it holds enough shares of
// the same polynomial for the same number of groups and threshold, is used to recompute the
// shares instead, so that entries hush cannot re-wrap stay valid.
func sharesFor(key []byte, r Recipients, known map[int][]byte) ([][]byte, error) {
	n := len(r.Groups)
	if n == 0 {
		return nil, errors.New("no recipients")
	}
	if n == 1 {
		return [][]byte{key}, nil
	}
	thr := r.ShamirThreshold
	if thr == 0 {
		thr = n
	}
	if known != nil && len(known) >= thr {
		parts := make([][]byte, 0, len(known))
		for _, gi := range sortedKeys(known) {
			parts = append(parts, known[gi])
		}
		out := make([][]byte, n)
		for gi := 0; gi < n; gi++ {
			if s, ok := known[gi]; ok {
				out[gi] = s
				continue
			}
			y, err := shamirAt(parts, byte(gi+1))
			if err != nil {
				return nil, err
			}
			out[gi] = append(y, byte(gi+1))
		}
		return out, nil
	}
	return shamirSplit(key, n, thr)
}

func shareMap(shares [][]byte) map[int][]byte {
	if len(shares) < 2 {
		return nil
	}
	m := make(map[int][]byte, len(shares))
	for i, s := range shares {
		m[i] = s
	}
	return m
}

func hasOther(groups []KeyGroup) []string {
	var kinds []string
	seen := map[string]bool{}
	for _, g := range groups {
		for _, o := range g.Other {
			if !seen[o.Kind] {
				seen[o.Kind] = true
				kinds = append(kinds, o.Kind)
			}
		}
	}
	return kinds
}

// rewrap wraps the current data key for r. Entries that stay (same recipient, same group)
// keep their enc; unsupported keys (kms, vault, ...) stay in their group as long as that
// group's share is unchanged, which holds when the number of groups and the threshold stay.
func (f *File) rewrap(r Recipients, w wrapper) error {
	n := len(r.Groups)
	if n == 0 {
		return fmt.Errorf("%s: no recipients", f.Path)
	}
	thr := r.ShamirThreshold
	if n > 1 && thr == 0 {
		thr = n
	}
	sameKey := f.origKey == nil || bytes.Equal(f.origKey, f.DataKey)
	sameShape := n == len(f.Meta.KeyGroups) && (n == 1 || thr == threshold(&f.Meta))
	keep := sameKey && sameShape && (n == 1 || len(f.shares) >= thr)
	if !keep {
		if kinds := hasOther(f.Meta.KeyGroups); len(kinds) > 0 {
			return fmt.Errorf("%s: cannot re-wrap: the key groups change and the file has %v master keys, which hush cannot wrap", f.Path, kinds)
		}
	}
	var known map[int][]byte
	if keep {
		known = f.shares
	}
	shares, err := sharesFor(f.DataKey, r, known)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	groups, thr, err := wrapGroups(w, f.DataKey, r, shares, f.Meta.KeyGroups, keep)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	f.Meta.KeyGroups, f.Meta.ShamirThreshold, f.Meta.UsesKeyGroups = groups, thr, len(groups) > 1
	f.shares = shareMap(shares)
	return nil
}

// rotate replaces the data key and wraps it for r.
func (f *File) rotate(r Recipients, w wrapper) error {
	if kinds := hasOther(f.Meta.KeyGroups); len(kinds) > 0 {
		return fmt.Errorf("%s: cannot rotate the data key: the file has %v master keys, which hush cannot wrap", f.Path, kinds)
	}
	key, err := newDataKey()
	if err != nil {
		return err
	}
	shares, err := sharesFor(key, r, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	groups, thr, err := wrapGroups(w, key, r, shares, nil, false)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	f.Meta.KeyGroups, f.Meta.ShamirThreshold, f.Meta.UsesKeyGroups = groups, thr, len(groups) > 1
	f.DataKey, f.shares = key, shareMap(shares)
	return nil
}

func (f *File) plaintext(format Format) ([]byte, error) {
	st, err := f.store(format)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	out, err := st.Emit(f.Docs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	return out, nil
}
