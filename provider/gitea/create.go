package gitea

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	sdk "code.gitea.io/sdk/gitea"
)

// created is a create call's answer, in one shape for both paths.
type created struct {
	id     int64
	token  string
	scopes []string
	// repos is what the answer says the token is limited to; nil when it
	// says nothing (an unrestricted token, or a server that ignored the
	// restriction).
	repos []string
}

// create makes one token: through the SDK when it is unrestricted, by hand
// when it names repositories, which the SDK's CreateAccessTokenOption has
// no field for.
func (c *Client) create(ctx context.Context, name string, s Scope) (*created, *sdk.Response, error) {
	if len(s.Repositories) > 0 {
		return c.createRestricted(ctx, name, s)
	}
	scopes := make([]sdk.AccessTokenScope, len(s.Scopes))
	for i, v := range s.Scopes {
		scopes[i] = sdk.AccessTokenScope(v)
	}
	t, resp, err := c.api(ctx).CreateAccessToken(sdk.CreateAccessTokenOption{Name: name, Scopes: scopes})
	if err != nil {
		return nil, resp, err
	}
	got := &created{id: t.ID, token: t.Token}
	for _, v := range t.Scopes {
		got.scopes = append(got.scopes, string(v))
	}
	return got, resp, nil
}

type repoTarget struct {
	Owner string `json:"owner"`
	Name  string `json:"name"`
}

// restrictedAnswer is Forgejo's AccessToken with its repositories
// (RepositoryMeta: id, name, owner, full_name).
type restrictedAnswer struct {
	ID           int64    `json:"id"`
	Token        string   `json:"sha1"`
	Scopes       []string `json:"scopes"`
	Repositories []struct {
		FullName string `json:"full_name"`
	} `json:"repositories"`
}

// createRestricted is POST /api/v1/users/{username}/tokens with Forgejo's
// "repositories": [{"owner", "name"}].
func (c *Client) createRestricted(ctx context.Context, name string, s Scope) (*created, *sdk.Response, error) {
	body := struct {
		Name         string       `json:"name"`
		Scopes       []string     `json:"scopes"`
		Repositories []repoTarget `json:"repositories"`
	}{Name: name, Scopes: s.Scopes}
	for _, r := range s.Repositories {
		owner, repo, _ := strings.Cut(r, "/")
		body.Repositories = append(body.Repositories, repoTarget{Owner: owner, Name: repo})
	}
	var answer restrictedAnswer
	resp, err := c.postJSON(ctx, "/users/"+url.PathEscape(c.username)+"/tokens", body, &answer)
	if err != nil {
		return nil, resp, err
	}
	got := &created{id: answer.ID, token: answer.Token, scopes: answer.Scopes}
	if answer.Repositories != nil {
		got.repos = []string{}
		for _, r := range answer.Repositories {
			got.repos = append(got.repos, strings.ToLower(r.FullName))
		}
	}
	return got, resp, nil
}

// postJSON sends one POST as the SDK would (basic auth, user agent, JSON)
// and reads its answer into out; a failure reads as an SDK failure, so
// fail() treats both paths alike.
func (c *Client) postJSON(ctx context.Context, path string, in, out any) (*sdk.Response, error) {
	payload, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/v1"+path, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(c.username, c.secret(ctx))
	req.Header.Set("Content-Type", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	httpResp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer httpResp.Body.Close()
	resp := &sdk.Response{Response: httpResp}
	data, err := io.ReadAll(io.LimitReader(httpResp.Body, 1<<20))
	if err != nil {
		return resp, err
	}
	if httpResp.StatusCode/100 != 2 {
		var e struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &e) == nil && e.Message != "" {
			return resp, errors.New(e.Message)
		}
		return resp, fmt.Errorf("unknown API error: %d", httpResp.StatusCode)
	}
	return resp, json.Unmarshal(data, out)
}
