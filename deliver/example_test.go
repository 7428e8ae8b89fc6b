package deliver_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/minqing/minqing/config"
	"github.com/minqing/minqing/deliver"
)

// A run's outputs copied into a shared folder; e-mail and robot are configured the same
// way, with their secrets in environment variables.
func ExampleDeliverer_Deliver() {
	dir, _ := os.MkdirTemp("", "deliver-example")
	defer os.RemoveAll(dir)
	workbook := filepath.Join(dir, "民情周报.xlsx")
	os.WriteFile(workbook, []byte("workbook"), 0o644)

	d, err := deliver.New(config.Deliver{Folder: "share", Attempts: 4}, dir, deliver.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range d.Deliver(context.Background(), deliver.Message{Subject: "民情周报", Attachments: []string{workbook}}) {
		fmt.Println(r.Channel, r.OK, r.Attempts)
	}
	_, err = os.Stat(filepath.Join(dir, "share", "民情周报.xlsx"))
	fmt.Println("copied:", err == nil)
	// Output:
	// folder true 1
	// copied: true
}
