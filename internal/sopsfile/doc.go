// Package sopsfile reads and writes the sops file format: the tree model, the five stores
// (yaml, json, dotenv, ini, binary), the per-value AES-256-GCM cipher, the MAC, the metadata,
// key groups and Shamir secret sharing, and whole-file age files (agenix style).
//
// It knows nothing of installing secrets; identities and recipients come from package keys.
package sopsfile
