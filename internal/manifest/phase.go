package manifest

// ForPhase returns the part of m installed in phase p, as a manifest of its own: the
// secrets of that phase and, for PhaseSystem, the templates. For PhaseUsers the roots are
// UsersMountPoint and UsersSymlink. Entries are shared with m, not copied.
//
// A sops-nix manifest is already one phase (sops-nix writes manifest.json and
// manifest-for-users.json); the engine installs it whole and need not call ForPhase.
func (m *Manifest) ForPhase(p Phase) *Manifest {
	out := *m
	out.byName = nil
	out.Secrets = nil
	for _, s := range m.Secrets {
		if s.Phase == p {
			out.Secrets = append(out.Secrets, s)
		}
	}
	if p == PhaseUsers {
		out.Templates = nil
		out.MountPoint, out.Symlink = m.UsersMountPoint, m.UsersSymlink
	}
	return &out
}
