package sopsfile

import (
	"errors"
	"fmt"
)

// Decrypting a whole file: parse with the store, take the "sops" section out, recover the data
// key, then one walk over the documents that decrypts every value in place and feeds the MAC.

const metadataKey = "sops"

// isReservedSopsItem reports whether a top-level item is (or would collide with) the
// metadata. In dotenv files the metadata is the sops_-prefixed lines, so a variable named
// just "sops" is data, for sops v3.13.3 as for hush: the store gives the metadata as a
// Branch, a variable as a string.
func isReservedSopsItem(it Item, format Format) bool {
	k, ok := it.Key.(string)
	if !ok || k != metadataKey {
		return false
	}
	if format == Dotenv {
		_, isMeta := it.Value.(Branch)
		return isMeta
	}
	return true
}

// hasReservedSopsItem reports whether a document holds a top-level item isReservedSopsItem
// refuses as data.
func hasReservedSopsItem(d Branch, format Format) bool {
	for _, it := range d {
		if isReservedSopsItem(it, format) {
			return true
		}
	}
	return false
}

// splitMetadata removes the "sops" entries from every document and returns the first
// document's (sops ignores the others', which it wrote as copies).
func splitMetadata(docs []Branch, format Format) ([]Branch, Branch, error) {
	var meta Branch
	found := false
	for di, d := range docs {
		out := d[:0:0]
		for _, it := range d {
			if isReservedSopsItem(it, format) {
				if di == 0 {
					if found {
						return nil, nil, errors.New(`duplicate "sops" entry`)
					}
					b, ok := it.Value.(Branch)
					if !ok {
						return nil, nil, fmt.Errorf(`the "sops" entry is %s, not a mapping`, typeName(it.Value))
					}
					meta, found = b, true
				}
				continue
			}
			out = append(out, it)
		}
		docs[di] = out
	}
	if !found {
		return nil, nil, errors.New(`no "sops" metadata: the file is not encrypted with sops (or the wrong --input-type was given)`)
	}
	return docs, meta, nil
}

func decryptFile(path string, data []byte, format Format, ids unwrapper) (*File, error) {
	if ids == nil {
		return nil, fmt.Errorf("%s: no identities given", path)
	}
	docs, meta, err := parseEncrypted(data, format)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rk, err := recoverDataKey(&meta, ids)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := decryptDocsRetry(data, format, docs, &meta, rk.key); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &File{
		Path: path, Format: format, Docs: docs, Meta: meta, DataKey: rk.key,
		orig: data, origKey: rk.key, origMeta: cloneMeta(meta), shares: rk.shares,
	}, nil
}

// parseEncrypted parses an encrypted file into its (still encrypted) documents and metadata.
func parseEncrypted(data []byte, format Format) ([]Branch, Metadata, error) {
	st, err := StoreFor(format)
	if err != nil {
		return nil, Metadata{}, err
	}
	docs, err := st.Parse(data)
	if err != nil {
		return nil, Metadata{}, err
	}
	docs, mb, err := splitMetadata(docs, format)
	if err != nil {
		return nil, Metadata{}, err
	}
	meta, err := ParseMetadata(mb)
	if err != nil {
		return nil, Metadata{}, err
	}
	return docs, meta, nil
}

// decryptDocsRetry decrypts docs exactly as sops does; when that fails for a file with a
// comment regex, it re-reads the file and tries again with the stack as it was at encryption
// time (see walker.plainComments), which opens files sops wrote but cannot read. A file sops
// can read decrypts the same either way: sops' walk only ever errs towards leaving a value
// encrypted, which then fails the MAC.
func decryptDocsRetry(data []byte, format Format, docs []Branch, meta *Metadata, key []byte) error {
	err := decryptDocs(docs, meta, key)
	if err == nil || (meta.UnencryptedCommentRegex == "" && meta.EncryptedCommentRegex == "") {
		return err
	}
	fresh, _, perr := parseEncrypted(data, format)
	if perr != nil || len(fresh) != len(docs) {
		return err
	}
	if decryptDocsMode(fresh, meta, key, true) != nil {
		return err
	}
	copy(docs, fresh)
	return nil
}

// decryptDocs decrypts docs in place and verifies the MAC.
func decryptDocs(docs []Branch, meta *Metadata, key []byte) error {
	return decryptDocsMode(docs, meta, key, false)
}

func decryptDocsMode(docs []Branch, meta *Metadata, key []byte, plainComments bool) error {
	c, err := newValueCipher(key)
	if err != nil {
		return err
	}
	defer c.wipe()
	mac := newMACHasher(meta.MACOnlyEncrypted)
	defer mac.wipe()
	w := &walker{rules: compileRules(meta), plainComments: plainComments}
	w.leaf = func(v any, ad []byte, enc bool) (any, error) {
		out := v
		if enc {
			switch x := v.(type) {
			case Comment:
				r, err := c.decryptValue(x.Value, ad)
				if err == nil {
					out = r
				} // else: a comment written in clear by an older sops; keep it, as sops does
			case string:
				if x != "" && !isEncrypted(x) {
					return nil, errors.New("value should be encrypted but is a string in clear (the encryption rules in the metadata were changed?)")
				}
				r, err := c.decryptValue(x, ad)
				if err != nil {
					return nil, fmt.Errorf("cannot decrypt value: %w", err)
				}
				out = r
			default:
				return nil, fmt.Errorf("value should be encrypted but is %s in clear (the encryption rules in the metadata were changed?)", typeName(v))
			}
		}
		if err := mac.add(out, enc); err != nil {
			return nil, err
		}
		return out, nil
	}
	for i, d := range docs {
		nd, err := w.walkDoc(d)
		if err != nil {
			if len(docs) > 1 {
				return fmt.Errorf("document %d: %w", i+1, err)
			}
			return err
		}
		docs[i] = nd
	}
	return checkMAC(c, meta, mac.sum())
}

func cloneMeta(m Metadata) Metadata {
	m.KeyGroups = append([]KeyGroup(nil), m.KeyGroups...)
	return m
}
