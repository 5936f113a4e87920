package catalog

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a content version in strict semantic-versioning form
// MAJOR.MINOR.PATCH. For modules, a new MAJOR version is a material change
// that requires people to take the module again; MINOR and PATCH changes do
// not.
type Version struct {
	Major, Minor, Patch int
}

// String returns the version as "MAJOR.MINOR.PATCH", the form ParseVersion
// accepts.
func (v Version) String() string {
	return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor) + "." + strconv.Itoa(v.Patch)
}

// ParseVersion parses a strict semantic version "MAJOR.MINOR.PATCH": exactly
// three dot-separated non-negative decimal numbers without signs, spaces or
// leading zeros ("0" itself is allowed). Pre-release and build suffixes such
// as "1.0.0-rc.1" and a "v" prefix are rejected.
func ParseVersion(s string) (Version, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return Version{}, fmt.Errorf("invalid version %q: want MAJOR.MINOR.PATCH, for example 1.0.0", s)
	}
	var nums [3]int
	for i, p := range parts {
		n, err := parseVersionNumber(p)
		if err != nil {
			return Version{}, fmt.Errorf("invalid version %q: %s", s, err)
		}
		nums[i] = n
	}
	return Version{Major: nums[0], Minor: nums[1], Patch: nums[2]}, nil
}

// parseVersionNumber parses one numeric component of a version.
func parseVersionNumber(p string) (int, error) {
	if p == "" {
		return 0, fmt.Errorf("empty number; want MAJOR.MINOR.PATCH, for example 1.0.0")
	}
	for _, c := range []byte(p) {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a number; want MAJOR.MINOR.PATCH, for example 1.0.0", p)
		}
	}
	if len(p) > 1 && p[0] == '0' {
		return 0, fmt.Errorf("%q has a leading zero", p)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return 0, fmt.Errorf("%q is too large", p)
	}
	return n, nil
}
