package github

import (
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// jwtBackdate allows for GitHub's clock running behind ours.
	jwtBackdate = 60 * time.Second
	// jwtLifetime stays under GitHub's 10-minute limit on exp-iat.
	jwtLifetime = 9*time.Minute + 30*time.Second
	// jwtRenewBefore re-signs early so a JWT never expires in flight.
	jwtRenewBefore = time.Minute
)

// appJWT is the cached App JWT.
type appJWT struct {
	token     string
	issuedAt  time.Time
	renewFrom time.Time
}

// appToken returns the App's JWT, signing a new one only when the cached
// one is near its end (or the clock went back past its iat).
func (c *client) appToken() (string, error) {
	if len(c.keys) == 0 || c.issuer == "" {
		return "", errNoKey
	}
	c.jwtMu.Lock()
	defer c.jwtMu.Unlock()
	now := c.now()
	if c.jwt.token != "" && now.Before(c.jwt.renewFrom) && !now.Before(c.jwt.issuedAt) {
		return c.jwt.token, nil
	}
	iat := now.Add(-jwtBackdate).Truncate(time.Second)
	exp := iat.Add(jwtLifetime)
	claims := jwt.RegisteredClaims{
		Issuer:    c.issuer,
		IssuedAt:  jwt.NewNumericDate(iat),
		ExpiresAt: jwt.NewNumericDate(exp),
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(c.keys[0])
	if err != nil {
		return "", fmt.Errorf("sign the GitHub App JWT: %w", err)
	}
	c.jwt = appJWT{token: signed, issuedAt: iat, renewFrom: exp.Add(-jwtRenewBefore)}
	return signed, nil
}

// forgetAppToken drops the cached JWT if it is still the one GitHub refused.
func (c *client) forgetAppToken(refused string) {
	c.jwtMu.Lock()
	defer c.jwtMu.Unlock()
	if c.jwt.token == refused {
		c.jwt = appJWT{}
	}
}
