package sopsfile

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Flat stores (dotenv, ini) cannot nest, so sops writes its metadata as flat keys: a mapping
// level is joined with "__map_", a list index with "__list_N", e.g. the first age
// recipient is age__list_0__map_recipient. dotenv also prefixes every key with "sops_" and
// mixes them with the data; ini keeps them in a [sops] section. Reading them back, mapping
// keys come out sorted (sops rebuilds the metadata from a Go map) and lists must be complete.

const (
	flatMapSep  = "__map_"
	flatListSep = "__list_"
	// sopsFlatPrefix marks metadata keys in a dotenv file.
	sopsFlatPrefix = "sops_"
)

// flattenMeta turns a metadata branch into flat items, keys prefixed with prefix.
func flattenMeta(b Branch, prefix string) (Branch, error) {
	var out Branch
	seen := map[string]bool{}
	if err := flattenBranch(b, prefix, &out, seen); err != nil {
		return nil, err
	}
	return out, nil
}

func flattenBranch(b Branch, prefix string, out *Branch, seen map[string]bool) error {
	for _, it := range b {
		if _, ok := it.Key.(Comment); ok {
			continue
		}
		k, ok := it.Key.(string)
		if !ok {
			return fmt.Errorf("metadata key of type %T cannot be flattened", it.Key)
		}
		if err := flattenValue(it.Value, prefix+k, out, seen); err != nil {
			return err
		}
	}
	return nil
}

func flattenValue(v any, key string, out *Branch, seen map[string]bool) error {
	switch v := v.(type) {
	case Branch:
		return flattenBranch(v, key+flatMapSep, out, seen)
	case []any:
		i := 0
		for _, e := range v {
			if _, ok := e.(Comment); ok {
				continue
			}
			if err := flattenValue(e, key+flatListSep+strconv.Itoa(i), out, seen); err != nil {
				return err
			}
			i++
		}
		return nil
	}
	if seen[key] {
		return fmt.Errorf("metadata key %q collides with another when flattened", key)
	}
	seen[key] = true
	*out = append(*out, Item{Key: key, Value: v})
	return nil
}

// flatToken is one step of a flat key: a mapping key or a list index.
type flatToken struct {
	key   string
	index int
	list  bool
}

// splitFlatKey cuts a flat key at every separator. A malformed index counts as 0, as in
// sops (which ignores the conversion error).
func splitFlatKey(path string) []flatToken {
	var toks []flatToken
	last, state := 0, 0 // state: 0 plain start, 1 after __map_, 2 after __list_
	finish := func(end int) {
		switch state {
		case 0:
			toks = append(toks, flatToken{key: path[last:end]})
		case 1:
			toks = append(toks, flatToken{key: path[last+len(flatMapSep) : end]})
		case 2:
			n, _ := strconv.Atoi(path[last+len(flatListSep) : end])
			toks = append(toks, flatToken{index: n, list: true})
		}
		last = end
	}
	for i := 0; i < len(path); {
		switch {
		case strings.HasPrefix(path[i:], flatMapSep):
			finish(i)
			state = 1
			i += len(flatMapSep)
		case strings.HasPrefix(path[i:], flatListSep):
			finish(i)
			state = 2
			i += len(flatListSep)
		default:
			i++
		}
	}
	finish(len(path))
	return toks
}

type flatNode struct {
	value    any
	hasValue bool
	keys     map[string]*flatNode
	indices  map[int]*flatNode
}

// unflattenMeta rebuilds the metadata branch from flat items (keys without the prefix).
func unflattenMeta(items Branch) (Branch, error) {
	root := &flatNode{}
	for _, it := range items {
		if _, ok := it.Key.(Comment); ok {
			continue
		}
		k, ok := it.Key.(string)
		if !ok {
			return nil, fmt.Errorf("metadata key of type %T", it.Key)
		}
		n := root
		for _, t := range splitFlatKey(k) {
			var next *flatNode
			if t.list {
				if n.indices == nil {
					n.indices = map[int]*flatNode{}
				}
				if next = n.indices[t.index]; next == nil {
					next = &flatNode{}
					n.indices[t.index] = next
				}
			} else {
				if n.keys == nil {
					n.keys = map[string]*flatNode{}
				}
				if next = n.keys[t.key]; next == nil {
					next = &flatNode{}
					n.keys[t.key] = next
				}
			}
			n = next
		}
		if n.hasValue {
			return nil, fmt.Errorf("metadata key %q appears twice", k)
		}
		n.value, n.hasValue = it.Value, true
	}
	v, err := root.build(0)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	b, ok := v.(Branch)
	if !ok {
		return nil, fmt.Errorf("metadata: not a mapping")
	}
	return b, nil
}

func (n *flatNode) build(depth int) (any, error) {
	if depth > 1000 {
		return nil, fmt.Errorf("nested too deep")
	}
	kinds := 0
	for _, has := range []bool{n.hasValue, len(n.keys) > 0, len(n.indices) > 0} {
		if has {
			kinds++
		}
	}
	switch {
	case kinds > 1:
		return nil, fmt.Errorf("a key is both a value and a container")
	case n.hasValue:
		return n.value, nil
	case len(n.keys) > 0:
		names := make([]string, 0, len(n.keys))
		for k := range n.keys {
			names = append(names, k)
		}
		sort.Strings(names)
		b := make(Branch, len(names))
		for i, k := range names {
			v, err := n.keys[k].build(depth + 1)
			if err != nil {
				return nil, err
			}
			b[i] = Item{Key: k, Value: v}
		}
		return b, nil
	case len(n.indices) > 0:
		lo, hi := math.MaxInt, math.MinInt
		for i := range n.indices {
			lo, hi = min(lo, i), max(hi, i)
		}
		if lo != 0 || hi+1 != len(n.indices) {
			return nil, fmt.Errorf("incomplete list")
		}
		list := make([]any, len(n.indices))
		for i, e := range n.indices {
			v, err := e.build(depth + 1)
			if err != nil {
				return nil, err
			}
			list[i] = v
		}
		return list, nil
	}
	return Branch{}, nil
}
