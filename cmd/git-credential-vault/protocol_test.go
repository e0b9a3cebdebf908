package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestReadRequest(t *testing.T) {
	in := "capability[]=authtype\nprotocol=https\nhost=git.example.com:8443\npath=acme/app.git\nusername=bob\npassword=old\nwwwauth[]=Basic realm=\"Git\"\n\nprotocol=ignored\n"
	req, err := readRequest(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := request{Protocol: "https", Host: "git.example.com:8443", Path: "acme/app.git", Username: "bob", Password: "old"}
	if req != want {
		t.Fatalf("got %+v, want %+v (attributes after the blank line must be ignored)", req, want)
	}
	url, err := req.url()
	if err != nil || url != "https://git.example.com:8443/acme/app.git" {
		t.Fatalf("url() = %q, %v", url, err)
	}
}

func TestReadRequestWithoutPathOrBlankLine(t *testing.T) {
	// Without credential.useHttpPath Git sends no path; input may end at EOF.
	req, err := readRequest(strings.NewReader("protocol=https\r\nhost=github.com"))
	if err != nil {
		t.Fatal(err)
	}
	if url, _ := req.url(); url != "https://github.com/" {
		t.Fatalf("url() = %q, want https://github.com/", url)
	}
}

func TestReadRequestRefusesMalformedLinesWithoutQuotingThem(t *testing.T) {
	for name, in := range map[string]string{
		"no equals sign": "protocol=https\nghp_secretlooking\n",
		"empty key":      "=value\n",
		"NUL byte":       "host=a\x00b\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := readRequest(strings.NewReader(in))
			if err == nil {
				t.Fatal("want an error")
			}
			if strings.Contains(err.Error(), "secretlooking") {
				t.Fatalf("the error quotes the line: %v", err)
			}
		})
	}
}

func TestRequestURLNeedsProtocolAndHost(t *testing.T) {
	if _, err := (request{Host: "github.com"}).url(); err == nil {
		t.Fatal("want an error without protocol")
	}
	if _, err := (request{Protocol: "https"}).url(); err == nil {
		t.Fatal("want an error without host")
	}
}

func TestWriteAnswer(t *testing.T) {
	var buf bytes.Buffer
	expiry := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := writeAnswer(&buf, answer{Username: "x-access-token", Password: "tok", Expiry: expiry}); err != nil {
		t.Fatal(err)
	}
	want := "username=x-access-token\npassword=tok\npassword_expiry_utc=1893553445\n"
	if buf.String() != want {
		t.Fatalf("got %q, want %q", buf.String(), want)
	}
}

// A newline in a value would let Vault's answer add attributes of its own
// choosing (say, a second password or url) to what Git reads.
func TestWriteAnswerRefusesValuesThatInjectAttributes(t *testing.T) {
	for _, a := range []answer{
		{Username: "u", Password: "tok\nusername=evil"},
		{Username: "u\nquit=1", Password: "tok"},
		{Username: "u", Password: ""},
	} {
		var buf bytes.Buffer
		if err := writeAnswer(&buf, a); err == nil {
			t.Fatalf("%q/%q: want an error", a.Username, a.Password)
		}
		if buf.Len() != 0 {
			t.Fatalf("wrote %q before refusing", buf.String())
		}
	}
}
