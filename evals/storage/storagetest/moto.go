// Package storagetest starts a real S3-compatible server for tests:
// moto_server (Python's moto) spawned on 127.0.0.1, with the AWS
// environment of the calling test pointed at it.
package storagetest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Moto is a running moto_server.
type Moto struct {
	// Endpoint is the server's base URL, http://127.0.0.1:PORT.
	Endpoint string
}

// StartMoto spawns moto_server on a free loopback port, waits until it
// answers, stops it when the test ends, and sets the test's AWS
// environment (fake credentials, region us-east-1, AWS_ENDPOINT_URL_S3)
// so s3:// locations reach it. Without moto_server on PATH the test is
// skipped, or fails when CI is set: CI must run these tests.
func StartMoto(t testing.TB) *Moto {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("moto_server not found on PATH (CI must run the object-storage tests; .ci/run installs it): %v", err)
		}
		t.Skip("moto_server not on PATH (pip install 'moto[server]'); skipping object-storage test")
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout = nil
	cmd.Stderr = nil
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	m := &Moto{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port)}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(m.Endpoint + "/")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case <-done:
			t.Fatalf("moto_server exited before answering")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s within 60s: %v", m.Endpoint, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "testing",
		"AWS_SECRET_ACCESS_KEY":       "testing",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "us-east-1",
		"AWS_ENDPOINT_URL_S3":         m.Endpoint,
		"AWS_ENDPOINT_URL":            "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
	return m
}

// CreateBucket creates a bucket (moto accepts unsigned requests).
func (m *Moto) CreateBucket(t testing.TB, name string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, m.Endpoint+"/"+name, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create bucket %s: %s", name, resp.Status)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
