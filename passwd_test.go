package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestPasswd(t *testing.T) {
	tests := []struct {
		name, in, err string
	}{
		{"a password", "correct horse battery\n", ""},
		{"without a newline", "correct horse battery", ""},
		{"too short", "short\n", "shorter than 8"},
		{"nothing", "", "reading password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			cmd := newRoot(&out, &errOut)
			cmd.SetIn(strings.NewReader(tt.in))
			cmd.SetArgs([]string{"passwd"})
			err := cmd.ExecuteContext(context.Background())
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			hash := bytes.TrimSpace(out.Bytes())
			if bcrypt.CompareHashAndPassword(hash, []byte("correct horse battery")) != nil {
				t.Errorf("%q is not a bcrypt hash of the password", hash)
			}
			if cost, _ := bcrypt.Cost(hash); cost != passwdCost {
				t.Errorf("cost %d, want %d", cost, passwdCost)
			}
		})
	}
}
