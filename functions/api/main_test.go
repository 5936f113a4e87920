package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/shared/apikey"
	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/httpapi/contracttest"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/s3presign"
	"github.com/attest-oss/attest/shared/table"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// TestWireServesAPIGatewayEvents wires the function as Lambda starts it, on
// DynamoDB Local and the SES emulator, and feeds the proxy real API Gateway
// HTTP API (payload 2.0) events: the health check, and an admin reading a
// person with an API key stored beforehand, each exchange held to the
// OpenAPI document.
func TestWireServesAPIGatewayEvents(t *testing.T) {
	ctx := context.Background()
	stack := devtest.Shared(t)
	client := stack.DynamoClient()
	tableName := devtest.Table(t, client, "api")
	seed, err := app.New(app.Config{DynamoDB: client, TableName: tableName})
	if err != nil {
		t.Fatal(err)
	}
	csv := "employee_id,email,name,roles,start_date,time_zone\n" +
		"E001,amara.okafor@example.com,Amara Okafor,all-staff;admin,2019-03-01,Europe/London\n"
	if _, err := seed.Roster.Import(ctx, roster.Request{Body: strings.NewReader(csv), ContentType: "text/csv", Mode: roster.ModeSync, Actor: "test", Role: identity.Admin}); err != nil {
		t.Fatal(err)
	}
	key, _, err := seed.Keys.Create(ctx, apikey.Request{Role: "admin", Label: "wire-test"}, "test", "test")
	if err != nil {
		t.Fatal(err)
	}

	t.Setenv(env.TableName, tableName)
	t.Setenv(env.SenderEmail, "training@attest.test")
	t.Setenv(env.BaseURL, "https://tracker.attest.test")
	var calls devtest.AccessLog
	wired, err := wire(slog.New(slog.DiscardHandler), stack.DynamoClient(calls.Option), stack.SESClient(), nil, s3presign.Presigner{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Every event and answer is held to the OpenAPI document.
	proxy := contracttest.Load(t).Proxy(t, wired)

	healthz := devtest.Fixture[events.APIGatewayV2HTTPRequest](t, "testdata/apigw-v2-healthz.json")
	person := devtest.Fixture[events.APIGatewayV2HTTPRequest](t, "testdata/apigw-v2-healthz.json")
	person.RawPath, person.RequestContext.HTTP.Path = "/api/people/E001", "/api/people/E001"
	person.Headers["authorization"] = "Bearer " + key
	for _, tt := range []struct {
		name  string
		event events.APIGatewayV2HTTPRequest
		want  apiBody
	}{
		{"Healthz", healthz, apiBody{Status: "ok"}},
		{"PersonWithAdminKey", person, apiBody{Person: personBody{EmployeeID: "E001", Email: "amara.okafor@example.com"}, Active: true, Reachable: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := proxy(ctx, tt.event)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 {
				t.Fatalf("status %d, body %s", resp.StatusCode, resp.Body)
			}
			if ct := resp.Headers["Content-Type"]; !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want JSON", ct)
			}
			var got apiBody
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
				t.Fatalf("body %q: %v", resp.Body, err)
			}
			if got != tt.want {
				t.Errorf("body %+v, want %+v\n%s", got, tt.want, resp.Body)
			}
		})
	}
	calls.CheckWithin(t, table.FunctionAccess()["api"])
}

// apiBody is what the test reads of the API's JSON answers.
type apiBody struct {
	Status    string     `json:"status"`
	Person    personBody `json:"person"`
	Active    bool       `json:"active"`
	Reachable bool       `json:"reachable"`
}

type personBody struct {
	EmployeeID string `json:"employeeId"`
	Email      string `json:"email"`
}

// TestWireFailsWithoutItsConfiguration: a function that cannot be wired
// says which variable is wrong.
func TestWireFailsWithoutItsConfiguration(t *testing.T) {
	for _, tt := range []struct {
		name, table, cadence, attempts, want string
	}{
		{"NoTable", "", "", "", env.TableName},
		{"BadCadence", "attest", "weekends=sometimes", "", env.ReminderCadence},
		{"BadQuizAttemptsPerDay", "attest", "", "0", env.QuizAttemptsPerDay},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(env.TableName, tt.table)
			t.Setenv(env.ReminderCadence, tt.cadence)
			t.Setenv(env.QuizAttemptsPerDay, tt.attempts)
			if _, err := wire(slog.New(slog.DiscardHandler), nil, nil, nil, s3presign.Presigner{}, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("wire: %v, want an error naming %s", err, tt.want)
			}
		})
	}
}
