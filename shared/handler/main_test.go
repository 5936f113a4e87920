package handler_test

import (
	"testing"

	"github.com/attest-oss/attest/shared/devstack/devtest"
)

func TestMain(m *testing.M) { devtest.Main(m) }
