package sopsfile

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Format names a store.
type Format string

const (
	YAML   Format = "yaml"
	JSON   Format = "json"
	Dotenv Format = "dotenv"
	INI    Format = "ini"
	Binary Format = "binary"
)

// FormatFromPath guesses the store from the file name as sops does (.yaml/.yml, .json, .env,
// .ini; anything else is binary).
func FormatFromPath(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return YAML
	case ".json":
		return JSON
	case ".env":
		return Dotenv
	case ".ini":
		return INI
	}
	return Binary
}

// ParseFormat reads a --input-type / --output-type value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case YAML, JSON, Dotenv, INI, Binary:
		return f, nil
	case "yml":
		return YAML, nil
	case "env":
		return Dotenv, nil
	}
	return "", fmt.Errorf("unknown format %q (want yaml, json, dotenv, ini or binary)", s)
}

// Store reads and writes one file format. Parse and Emit see the sops metadata, when present,
// as an ordinary top-level item with key "sops" whose value is a Branch: stores that cannot
// nest (dotenv, ini) flatten and unflatten it the way sops does, so callers never care.
//
// Parse errors name the position (line, or byte offset) but never quote a value.
type Store interface {
	Parse(data []byte) ([]Branch, error)
	Emit(docs []Branch) ([]byte, error)
	// EmitValue formats a single value for --extract (a string prints raw; a branch or list
	// prints in this store's syntax).
	EmitValue(v any) ([]byte, error)
}

// StoreFor returns the store for a format.
func StoreFor(f Format) (Store, error) {
	if s, ok := stores[f]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("no store for format %q", f)
}

// stores is filled by each store's file (yaml.go, json.go, dotenv.go, ini.go, binary.go).
var stores = map[Format]Store{}
