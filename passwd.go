package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"
)

func init() { extraCommands = append(extraCommands, newPasswdCmd) }

// passwdCost is the bcrypt cost of new hashes: a login takes a fraction of a second, a
// stolen config's hashes long to guess.
const passwdCost = 12

// newPasswdCmd is `minqing passwd`: it reads a password (twice on a terminal, without
// echo; else one line of standard input) and prints its bcrypt hash for serve.users.
func newPasswdCmd(c *cli) *cobra.Command {
	return &cobra.Command{
		Use:   "passwd",
		Short: "Print the bcrypt hash of a password, for serve.users[].password_hash",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in := cmd.InOrStdin()
			var pw string
			if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
				fmt.Fprint(c.errOut, "password: ")
				a, err := term.ReadPassword(int(f.Fd()))
				fmt.Fprintln(c.errOut)
				if err != nil {
					return fmt.Errorf("reading password: %w", err)
				}
				fmt.Fprint(c.errOut, "again: ")
				b, err := term.ReadPassword(int(f.Fd()))
				fmt.Fprintln(c.errOut)
				if err != nil {
					return fmt.Errorf("reading password: %w", err)
				}
				if string(a) != string(b) {
					return errors.New("the passwords differ")
				}
				pw = string(a)
			} else {
				line, err := bufio.NewReader(in).ReadString('\n')
				if err != nil && line == "" {
					return fmt.Errorf("reading password from standard input: %w", err)
				}
				pw = strings.TrimRight(line, "\r\n")
			}
			if len(pw) < 8 {
				return errors.New("the password is shorter than 8 characters")
			}
			if len(pw) > 72 {
				return errors.New("the password is longer than 72 bytes (bcrypt's limit)")
			}
			h, err := bcrypt.GenerateFromPassword([]byte(pw), passwdCost)
			if err != nil {
				return fmt.Errorf("hashing password: %w", err)
			}
			_, err = fmt.Fprintln(c.out, string(h))
			return err
		},
	}
}
