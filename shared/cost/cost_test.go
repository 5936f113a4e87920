package cost_test

import (
	"math"
	"strings"
	"testing"

	"github.com/attest-oss/attest/shared/cost"
)

// near reports whether got is want to 1e-9 relative.
func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

func TestPricesAreDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range cost.Prices {
		if seen[p.Key] {
			t.Errorf("%s: listed twice", p.Key)
		}
		seen[p.Key] = true
		if p.USD <= 0 || p.Unit == "" || p.Display == "" || p.Service == "" || p.What == "" {
			t.Errorf("%s: incomplete: %+v", p.Key, p)
		}
		if !strings.HasPrefix(p.Source, "https://aws.amazon.com/") || p.Checked == "" {
			t.Errorf("%s: source %q checked %q, want an AWS pricing page and a date", p.Key, p.Source, p.Checked)
		}
	}
}

func TestYear(t *testing.T) {
	tests := []struct {
		name   string
		model  cost.Model
		people int
		// want: total and fixed USD a year, USD per 1,000 people a month,
		// and each line's quantity.
		total, fixed, perThousand float64
		quantities                map[string]float64
	}{
		{
			name:   "one million WRU a person and one key, 1,000 people",
			model:  cost.Model{PerPerson: cost.Usage{cost.DynamoWrite: 1e6}, Fixed: cost.Usage{cost.KMSKey: 12}},
			people: 1000,
			// 1e9 WRU × $0.625e-6 = $625; 12 key-months × $1 = $12.
			total: 637, fixed: 12, perThousand: 637.0 / 12,
			quantities: map[string]float64{cost.DynamoWrite: 1e9, cost.KMSKey: 12},
		},
		{
			name:   "the same at 100,000 people: the fixed part thins out",
			model:  cost.Model{PerPerson: cost.Usage{cost.DynamoWrite: 1e6}, Fixed: cost.Usage{cost.KMSKey: 12}},
			people: 100000,
			total:  62512, fixed: 12, perThousand: 62512.0 / 12 / 100,
			quantities: map[string]float64{cost.DynamoWrite: 1e11, cost.KMSKey: 12},
		},
		{
			name:   "emails and reads per person, storage fixed",
			model:  cost.Model{PerPerson: cost.Usage{cost.SESEmail: 10, cost.DynamoRead: 8e6}, Fixed: cost.Usage{cost.S3Storage: 100}},
			people: 2000,
			// 20,000 emails × $0.0001 = $2; 1.6e10 RRU × $0.125e-6 = $2,000;
			// 100 GB-months × $0.023 = $2.30.
			total: 2004.3, fixed: 2.3, perThousand: 2004.3 / 12 / 2,
			quantities: map[string]float64{cost.SESEmail: 20000, cost.DynamoRead: 1.6e10, cost.S3Storage: 100},
		},
		{
			name:   "nobody: only the fixed part, and no price per person",
			model:  cost.Model{Fixed: cost.Usage{cost.Alarm: 24}},
			people: 0,
			total:  2.4, fixed: 2.4, perThousand: 0,
			quantities: map[string]float64{cost.Alarm: 24},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.model.Year(tc.people)
			t.Logf("\n%s", b)
			if !near(b.Total, tc.total) || !near(b.Fixed, tc.fixed) || !near(b.PerThousandPerMonth(), tc.perThousand) {
				t.Errorf("total %v, fixed %v, per 1,000 a month %v; want %v, %v, %v", b.Total, b.Fixed, b.PerThousandPerMonth(), tc.total, tc.fixed, tc.perThousand)
			}
			if len(b.Lines) != len(tc.quantities) {
				t.Errorf("%d lines, want %d", len(b.Lines), len(tc.quantities))
			}
			var sum float64
			for _, l := range b.Lines {
				if want := tc.quantities[l.Price.Key]; !near(l.Quantity, want) {
					t.Errorf("%s: quantity %v, want %v", l.Price.Key, l.Quantity, want)
				}
				if !near(l.USD, l.Quantity*l.Price.USD) {
					t.Errorf("%s: %v USD, want quantity × price %v", l.Price.Key, l.USD, l.Quantity*l.Price.USD)
				}
				sum += l.USD
			}
			var services float64
			for _, s := range b.Services() {
				services += s.USD
			}
			if !near(sum, b.Total) || !near(services, b.Total) {
				t.Errorf("lines sum to %v, services to %v, total %v", sum, services, b.Total)
			}
		})
	}
}

func TestUsageHelpers(t *testing.T) {
	tests := []struct {
		name string
		got  cost.Usage
		want cost.Usage
	}{
		{
			name: "the stack's fixed resources",
			got:  cost.Stack.Usage(),
			want: cost.Usage{
				cost.KMSKey: 36, cost.Alarm: 23 * 12,
				// 3 queues × 5 pollers × 3 polls a minute, all year.
				cost.SQSRequest:    3 * 5 * 3 * 60 * 24 * 365,
				cost.ScheduleEvent: 24*365 + 3*365,
			},
		},
		{
			name: "rotated keys count as keys",
			got:  cost.Deployment{CustomerKeys: 1, RotatedKeys: 2}.Usage(),
			want: cost.Usage{cost.KMSKey: 36},
		},
		{
			name: "1,000 invocations of the API function, 100 s in all",
			got:  cost.Lambda("api", 1000, 100),
			want: cost.Usage{
				cost.LambdaRequest: 1000, cost.LambdaCompute: 50, cost.XRayTrace: 1000, // 100 s × 0.5 GB
				cost.LogsIngest: 1e-3, cost.LogsStorage: 3e-3, // 1,000 × 1,000 bytes, kept 3 months
			},
		},
		{
			name: "the export function has 1 GB",
			got:  cost.Lambda("export", 1, 2),
			want: cost.Usage{cost.LambdaRequest: 1, cost.LambdaCompute: 2, cost.XRayTrace: 1, cost.LogsIngest: 1e-6, cost.LogsStorage: 3e-6},
		},
		{
			name: "2,000 API requests answering 1 GB",
			got:  cost.API(2000, 1e9),
			want: cost.Usage{cost.APIRequest: 2000, cost.DataOut: 1, cost.LogsIngest: 1e-3, cost.LogsStorage: 3e-3},
		},
		{
			name: "add and scale",
			got:  cost.Usage{cost.SESEmail: 1}.Add(cost.Usage{cost.SESEmail: 2, cost.S3Put: 1}).Scale(10),
			want: cost.Usage{cost.SESEmail: 30, cost.S3Put: 10},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.got) != len(tc.want) {
				t.Errorf("keys %v, want %v", tc.got.Keys(), tc.want.Keys())
			}
			for k, want := range tc.want {
				if !near(tc.got[k], want) {
					t.Errorf("%s = %v, want %v", k, tc.got[k], want)
				}
			}
		})
	}
}

func TestUnknownKeysPanic(t *testing.T) {
	for name, f := range map[string]func(){
		"price":    func() { cost.PriceOf("nope") },
		"function": func() { cost.Lambda("nope", 1, 1) },
		"model":    func() { cost.Model{PerPerson: cost.Usage{"nope": 1}}.Year(1) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}
