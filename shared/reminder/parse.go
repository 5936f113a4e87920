package reminder

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseConfig reads a cadence written as `;`-separated settings over the
// defaults, as in the REMINDER_CADENCE environment variable:
//
//	beforeDue=14,7,3,1; overdueEvery=7; max=10; weekends=skip; hours=8-18;
//	escalateAfter=7; escalateUpAfter=21
//
// weekends is skip or send; hours apply to hourly runs. An empty string is
// the default cadence. Unknown settings and bad values are errors naming
// the setting, and the result is validated.
func ParseConfig(s string) (Config, error) {
	c := DefaultConfig()
	for part := range strings.SplitSeq(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || value == "" {
			return Config{}, fmt.Errorf("reminder cadence: %q must be name=value", part)
		}
		var err error
		switch name {
		case "beforeDue":
			c.BeforeDue = nil
			for v := range strings.SplitSeq(value, ",") {
				n, convErr := strconv.Atoi(strings.TrimSpace(v))
				if convErr != nil {
					err = convErr
					break
				}
				c.BeforeDue = append(c.BeforeDue, n)
			}
		case "overdueEvery":
			c.OverdueEvery, err = strconv.Atoi(value)
		case "max":
			c.MaxPerAssignment, err = strconv.Atoi(value)
		case "escalateAfter":
			c.EscalateAfter, err = strconv.Atoi(value)
		case "escalateUpAfter":
			c.EscalateUpAfter, err = strconv.Atoi(value)
		case "weekends":
			switch value {
			case "skip":
				c.SkipWeekends = true
			case "send":
				c.SkipWeekends = false
			default:
				err = fmt.Errorf("must be skip or send")
			}
		case "hours":
			from, to, found := strings.Cut(value, "-")
			if !found {
				err = fmt.Errorf("must be FROM-TO, such as 8-18")
				break
			}
			if c.FromHour, err = strconv.Atoi(strings.TrimSpace(from)); err == nil {
				c.ToHour, err = strconv.Atoi(strings.TrimSpace(to))
			}
		default:
			return Config{}, fmt.Errorf("reminder cadence: unknown setting %q (known: beforeDue, overdueEvery, max, weekends, hours, escalateAfter, escalateUpAfter)", name)
		}
		if err != nil {
			return Config{}, fmt.Errorf("reminder cadence: %s=%s: %v", name, value, err)
		}
	}
	hourly := c.Hourly
	c.Hourly = true // check the hours too, whatever the run
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	c.Hourly = hourly
	return c, nil
}
