package keys

import (
	"os"
	"path/filepath"

	"filippo.io/age"
)

func generateX25519() (identity, recipient string, err error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", "", err
	}
	return id.String(), id.Recipient().String(), nil
}

func pgpPublicKeyFilesFromEnv() []string {
	var out []string
	for _, v := range []string{"HUSH_PGP_PUBLIC_KEY_FILE", "HUSH_PGP_KEY_FILE"} {
		for _, f := range filepath.SplitList(os.Getenv(v)) {
			if f != "" {
				out = append(out, f)
			}
		}
	}
	return out
}
