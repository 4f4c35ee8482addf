package sopsfile

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"time"
)

// Encrypting a File back to bytes.
//
// Values whose plaintext, type and key path are unchanged since Decrypt keep their exact
// ENC[...] string, so a small edit gives a small diff. Unlike sops, which remembers one IV per
// (path, plaintext) and so gives equal list elements equal ciphertexts after an edit, we keep a
// queue per (path, type, plaintext) and hand each old ciphertext out once: no new equalities
// appear in the file, and a nonce is only ever reused with its own plaintext and additional
// data (which yields the identical ciphertext, nothing more).
//
// When nothing changed — same documents, same keys, same metadata, same data key — Encrypt
// also keeps lastmodified and the MAC, so its output is what the store emits for the original
// file: for files sops wrote, the very bytes that were read. Otherwise lastmodified is set to
// now and the MAC recomputed. Callers that must not touch an unchanged file on disk (hush edit)
// can compare, or ask Changed.

// stash holds the old ciphertexts by (additional data, type, plaintext).
type stash map[string][]stashEntry

// stashEntry is one old ciphertext. For an encrypted comment that was a mapping entry it also
// remembers whether the comment was inline: sops' decryption forgets that (so Plaintext matches
// sops decrypt), and without it an unchanged re-encryption would move the comment to a line
// of its own.
type stashEntry struct {
	enc           string
	commentKey    bool
	inlineComment bool
}

func stashKey(ad []byte, v any) (string, bool) {
	pt, typ, err := plainBytes(nil, v)
	if err != nil {
		return "", false
	}
	if _, ok := v.([]byte); ok {
		typ = "bytes"
	}
	k := make([]byte, 0, len(ad)+len(typ)+len(pt)+2)
	k = append(append(append(append(append(k, ad...), 0), typ...), 0), pt...)
	clear(pt)
	return string(k), true
}

// buildStash re-reads the file as it was decrypted and records every encrypted value's
// ciphertext under its plaintext. It returns the original encrypted documents too.
func buildStash(orig []byte, format Format, meta *Metadata, key []byte) ([]Branch, stash, error) {
	docs, _, err := parseEncrypted(orig, format)
	if err != nil {
		return nil, nil, err
	}
	c, err := newValueCipher(key)
	if err != nil {
		return nil, nil, err
	}
	defer c.wipe()
	st := stash{}
	w := &walker{rules: compileRules(meta), copyTree: true}
	w.leaf = func(v any, ad []byte, enc bool) (any, error) {
		if !enc {
			return v, nil
		}
		var s string
		var e stashEntry
		switch x := v.(type) {
		case string:
			s = x
		case Comment:
			s = x.Value
			e.commentKey, e.inlineComment = true, x.Inline
		default:
			return v, nil
		}
		if s == "" {
			return v, nil
		}
		pv, err := c.decryptValue(s, ad)
		if err != nil {
			return v, nil
		}
		if k, ok := stashKey(ad, pv); ok {
			e.enc = s
			st[k] = append(st[k], e)
		}
		return v, nil
	}
	for _, d := range docs {
		if _, err := w.walkDoc(d); err != nil {
			return nil, nil, err
		}
	}
	return docs, st, nil
}

// take hands out the next old ciphertext for v at ad: a string, or for a comment that was a
// mapping entry, the Comment to put back.
func (st stash) take(ad []byte, v any) (any, bool) {
	if st == nil {
		return nil, false
	}
	k, ok := stashKey(ad, v)
	if !ok {
		return nil, false
	}
	q := st[k]
	if len(q) == 0 {
		return nil, false
	}
	st[k] = q[1:]
	e := q[0]
	if c, ok := v.(Comment); ok && e.commentKey {
		c.Value = e.enc
		c.Inline = c.Inline || e.inlineComment
		return c, true
	}
	return e.enc, true
}

// validateRules checks that at most one suffix/regex option is set and that regexes compile.
func validateRules(m *Metadata) error {
	n := 0
	for _, o := range []struct{ name, v string }{
		{"unencrypted_suffix", m.UnencryptedSuffix}, {"encrypted_suffix", m.EncryptedSuffix},
		{"unencrypted_regex", m.UnencryptedRegex}, {"encrypted_regex", m.EncryptedRegex},
		{"unencrypted_comment_regex", m.UnencryptedCommentRegex}, {"encrypted_comment_regex", m.EncryptedCommentRegex},
	} {
		if o.v == "" {
			continue
		}
		n++
		if o.name != "unencrypted_suffix" && o.name != "encrypted_suffix" {
			if _, err := regexp.Compile(o.v); err != nil {
				return fmt.Errorf("%s: %w", o.name, err)
			}
		}
	}
	if n > 1 {
		return errors.New("only one of unencrypted_suffix, encrypted_suffix, unencrypted_regex, encrypted_regex, unencrypted_comment_regex, encrypted_comment_regex may be set")
	}
	return nil
}

// encryptDocs returns encrypted copies of docs and the MAC (plain hex).
func encryptDocs(docs []Branch, meta *Metadata, c *valueCipher, st stash) ([]Branch, string, error) {
	rules := compileRules(meta)
	mac := newMACHasher(meta.MACOnlyEncrypted)
	defer mac.wipe()
	w := &walker{rules: rules, copyTree: true}
	w.leaf = func(v any, ad []byte, enc bool) (any, error) {
		if err := mac.add(v, enc); err != nil {
			return nil, err
		}
		if !enc {
			return v, nil
		}
		if isEmptyValue(v) {
			return "", nil
		}
		out, ok := st.take(ad, v)
		if !ok {
			s, err := c.encryptValue(v, ad, nil)
			if err != nil {
				return nil, err
			}
			out = s
		}
		if _, isComment := v.(Comment); isComment && rules.unencCommentRe != nil && rules.unencCommentRe.MatchString(encString(out)) {
			return nil, errors.New("an encrypted comment matches unencrypted_comment_regex, so it could not be decrypted again; use a regex that cannot match ENC[...]")
		}
		return out, nil
	}
	out := make([]Branch, len(docs))
	for i, d := range docs {
		nd, err := w.walkDoc(d)
		if err != nil {
			if len(docs) > 1 {
				return nil, "", fmt.Errorf("document %d: %w", i+1, err)
			}
			return nil, "", err
		}
		out[i] = nd
	}
	return out, mac.sum(), nil
}

func (f *File) encrypt() ([]byte, error) {
	st, err := f.store(f.Format)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	if err := validateRules(&f.Meta); err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	if len(f.Meta.KeyGroups) == 0 {
		return nil, fmt.Errorf("%s: no master keys", f.Path)
	}
	if len(f.Docs) == 0 {
		return nil, fmt.Errorf("%s: nothing to encrypt: the file has no document", f.Path)
	}
	for i, d := range f.Docs {
		if hasReservedSopsItem(d, f.Format) {
			return nil, fmt.Errorf("%s: document %d has a top-level key %q, which sops reserves for its metadata", f.Path, i+1, metadataKey)
		}
	}
	c, err := newValueCipher(f.DataKey)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	defer c.wipe()
	var origDocs []Branch
	var stashed stash
	if f.orig != nil && bytes.Equal(f.origKey, f.DataKey) {
		origDocs, stashed, err = buildStash(f.orig, f.Format, &f.origMeta, f.DataKey)
		if err != nil {
			// The original was decrypted once, so this cannot happen short of memory
			// corruption; encrypt everything afresh rather than fail.
			origDocs, stashed = nil, nil
		}
	}
	enc, mac, err := encryptDocs(f.Docs, &f.Meta, c, stashed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	meta := f.Meta
	if meta.Version == "" {
		meta.Version = SopsVersion
	}
	if !(origDocs != nil && treesEqual(enc, origDocs) && sameMetadata(&meta, &f.origMeta)) {
		meta.LastModified = time.Now().UTC().Format(time.RFC3339)
		meta.MAC, err = sealMAC(c, meta.LastModified, mac)
		if err != nil {
			return nil, fmt.Errorf("%s: encrypting the MAC: %w", f.Path, err)
		}
	} else {
		meta.LastModified, meta.MAC = f.origMeta.LastModified, f.origMeta.MAC
	}
	if meta.UnencryptedCommentRegex != "" || meta.EncryptedCommentRegex != "" {
		// sops decides on decryption with the encrypted comments on its stack, which can
		// differ from what it saw when encrypting; refuse to write what sops cannot read.
		if err := decryptDocs(cloneDocs(enc), &meta, f.DataKey); err != nil {
			return nil, fmt.Errorf("%s: sops v3.13.3 could not decrypt this file again (%v): with %s, a comment that gets encrypted because of an earlier comment in the same list hides the values after it from sops' decryption; put the marking comment before the list's key instead", f.Path, err, commentRuleName(&meta))
		}
	}
	mb, err := meta.ToBranch()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	for i := range enc {
		enc[i] = append(enc[i], Item{Key: metadataKey, Value: mb})
	}
	out, err := st.Emit(enc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	f.Meta = meta
	f.orig, f.origKey, f.origMeta = out, f.DataKey, cloneMeta(meta)
	return out, nil
}

// sameMetadata compares everything but lastmodified and the MAC.
func sameMetadata(a, b *Metadata) bool {
	x, y := *a, *b
	x.LastModified, x.MAC, y.LastModified, y.MAC = "", "", "", ""
	x.UsesKeyGroups, y.UsesKeyGroups = false, false
	return reflect.DeepEqual(x, y)
}

// treesEqual compares two trees value by value.
func treesEqual(a, b any) bool {
	switch a := a.(type) {
	case Branch:
		bb, ok := b.(Branch)
		if !ok || len(a) != len(bb) {
			return false
		}
		for i := range a {
			if !treesEqual(a[i].Key, bb[i].Key) || !treesEqual(a[i].Value, bb[i].Value) {
				return false
			}
		}
		return true
	case []Branch:
		bb, ok := b.([]Branch)
		if !ok || len(a) != len(bb) {
			return false
		}
		for i := range a {
			if !treesEqual(a[i], bb[i]) {
				return false
			}
		}
		return true
	case []any:
		bb, ok := b.([]any)
		if !ok || len(a) != len(bb) {
			return false
		}
		for i := range a {
			if !treesEqual(a[i], bb[i]) {
				return false
			}
		}
		return true
	case []byte:
		bb, ok := b.([]byte)
		return ok && bytes.Equal(a, bb)
	case time.Time:
		bb, ok := b.(time.Time)
		return ok && a.Equal(bb)
	}
	return reflect.DeepEqual(a, b)
}

func encString(v any) string {
	if c, ok := v.(Comment); ok {
		return c.Value
	}
	s, _ := v.(string)
	return s
}

func commentRuleName(m *Metadata) string {
	if m.EncryptedCommentRegex != "" {
		return "encrypted_comment_regex"
	}
	return "unencrypted_comment_regex"
}

// cloneDocs copies the branches and lists of docs (values are immutable).
func cloneDocs(docs []Branch) []Branch {
	out := make([]Branch, len(docs))
	for i, d := range docs {
		out[i] = cloneValue(d).(Branch)
	}
	return out
}

func cloneValue(v any) any {
	switch v := v.(type) {
	case Branch:
		out := make(Branch, len(v))
		for i, it := range v {
			out[i] = Item{Key: it.Key, Value: cloneValue(it.Value)}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i := range v {
			out[i] = cloneValue(v[i])
		}
		return out
	}
	return v
}
