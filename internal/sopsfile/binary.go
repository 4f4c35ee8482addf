package sopsfile

import (
	"bytes"
	"errors"
	"fmt"
)

// The binary store: any file, kept whole. Plain, it is the bytes as they are, seen as the tree
// {data: "<the bytes>"}; encrypted, sops writes it as a JSON file {"data": "ENC[...]",
// "sops": {...}}, laid out like the JSON store.
//
// Parse reads either form: a JSON object with a top-level "sops" key is an encrypted file,
// anything else is plain bytes. Plaintext input (ParsePlain: encrypt, edit) is always read
// with parseBinaryPlain, so a file that happens to be a sops JSON file is data, as in sops.

// binaryStore's json lays out the encrypted form (stores.json_binary).
type binaryStore struct{ json jsonStore }

func init() { stores[Binary] = binaryStore{} }

func (binaryStore) Parse(data []byte) ([]Branch, error) {
	if looksLikeSopsJSON(data) {
		if docs, err := (jsonStore{}).Parse(data); err == nil {
			if _, ok := docs[0].Get("sops"); ok {
				return docs, nil
			}
		}
	}
	return parseBinaryPlain(data), nil
}

// parseBinaryPlain is the plaintext reading of a binary file: one "data" item.
func parseBinaryPlain(data []byte) []Branch {
	return []Branch{{{Key: "data", Value: string(data)}}}
}

// looksLikeSopsJSON is a cheap test before a full JSON parse of what may be a large blob.
func looksLikeSopsJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && t[0] == '{' && bytes.Contains(data, []byte(`"sops"`))
}

var errBinaryNoData = errors.New("binary: no string \"data\" item in the tree (is this file binary, or should --output-type be set?)")

// Emit writes the encrypted JSON form when the tree has sops metadata, else the raw bytes of
// its "data" item (sops decrypt's output).
func (s binaryStore) Emit(docs []Branch) ([]byte, error) {
	if len(docs) != 1 {
		return nil, fmt.Errorf("binary: want exactly one document, have %d", len(docs))
	}
	if _, ok := docs[0].Get("sops"); ok {
		return s.json.Emit(docs)
	}
	return binaryData(docs[0])
}

func binaryData(b Branch) ([]byte, error) {
	v, ok := b.Get("data")
	if !ok {
		return nil, errBinaryNoData
	}
	s, ok := v.(string)
	if !ok {
		return nil, errBinaryNoData
	}
	return []byte(s), nil
}

func (binaryStore) EmitValue(v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return []byte(v), nil
	case Branch:
		return binaryData(v)
	}
	return nil, errors.New("binary: a binary file is not structured; a single value cannot be extracted")
}
