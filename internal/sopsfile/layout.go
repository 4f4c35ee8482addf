package sopsfile

import (
	"errors"
	"strings"
)

// StoreOptions are the output layout options sops takes from the stores section of
// .sops.yaml (and its --indent flag). sops v3.13.3 applies them to every file it writes, the
// encrypted file and the plaintext of decrypt and edit alike, so hush does the same.
type StoreOptions struct {
	// YAMLIndent is stores.yaml.indent: spaces per level; 0 means sops' default, 4.
	// Negative is an error. The YAML library sops uses writes 2 for anything below 2 or
	// above 9.
	YAMLIndent int
	// JSONIndent is stores.json.indent: spaces per level; -1 means sops' default, one tab;
	// 0 keeps the line breaks without indentation. Below -1 is an error.
	JSONIndent int
	// JSONBinaryIndent is stores.json_binary.indent, the same for the binary store's
	// encrypted JSON form.
	JSONBinaryIndent int
}

// DefaultStoreOptions is sops' layout without a stores section.
var DefaultStoreOptions = StoreOptions{JSONIndent: -1, JSONBinaryIndent: -1}

// Validate rejects what sops rejects when it writes a file.
func (o StoreOptions) Validate() error {
	if o.YAMLIndent < 0 {
		return errors.New("stores.yaml.indent: negative indentation is not accepted")
	}
	if o.JSONIndent < -1 {
		return errors.New("stores.json.indent: indentation below -1 is not accepted")
	}
	if o.JSONBinaryIndent < -1 {
		return errors.New("stores.json_binary.indent: indentation below -1 is not accepted")
	}
	return nil
}

// StoreForOptions returns the store for a format, laid out as o says. Only the YAML, JSON
// and binary stores have options; dotenv and INI ignore them, as in sops.
func StoreForOptions(f Format, o StoreOptions) (Store, error) {
	// Only the option of the store in use is checked, as sops does when it writes.
	only := DefaultStoreOptions
	switch f {
	case YAML:
		only.YAMLIndent = o.YAMLIndent
	case JSON:
		only.JSONIndent = o.JSONIndent
	case Binary:
		only.JSONBinaryIndent = o.JSONBinaryIndent
	}
	if err := only.Validate(); err != nil {
		return nil, err
	}
	switch f {
	case YAML:
		return yamlStore{indent: o.YAMLIndent}, nil
	case JSON:
		return newJSONStore(o.JSONIndent), nil
	case Binary:
		return binaryStore{json: newJSONStore(o.JSONBinaryIndent)}, nil
	}
	return StoreFor(f)
}

// newJSONStore is a JSON store with sops' indent option (-1: one tab).
func newJSONStore(indent int) jsonStore {
	if indent < 0 {
		return jsonStore{}
	}
	return jsonStore{indent: strings.Repeat(" ", indent), custom: true}
}

// store is the store f writes format with: its Stores options, else sops' defaults.
func (f *File) store(format Format) (Store, error) {
	if f.Stores == nil {
		return StoreFor(format)
	}
	return StoreForOptions(format, *f.Stores)
}
