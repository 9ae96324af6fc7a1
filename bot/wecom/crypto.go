package wecom

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"

	"github.com/silenceper/wechat/v2/util"
)

// Signature is WeCom's msg_signature: the SHA-1 hex of the sorted, joined
// token, timestamp, nonce and encrypted payload.
func Signature(token, timestamp, nonce, encrypted string) string {
	return util.Signature(token, timestamp, nonce, encrypted)
}

// validSignature compares a msg_signature in constant time.
func validSignature(got, token, timestamp, nonce, encrypted string) bool {
	want := Signature(token, timestamp, nonce, encrypted)
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// Decrypt opens an Encrypt/echostr payload and checks that it was made for
// receiveID (the corp id for app callbacks).
func Decrypt(encrypted, encodingAESKey, receiveID string) ([]byte, error) {
	if receiveID == "" {
		return decryptEmptyReceiveID(encrypted, encodingAESKey) // the AI bot's
	}
	_, plain, err := util.DecryptMsg(receiveID, encrypted, encodingAESKey)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	return plain, nil
}

// Encrypt seals msg for receiveID as WeCom does (random 16 bytes, length,
// message, receive id; AES-256-CBC; base64).
func Encrypt(msg []byte, encodingAESKey, receiveID string) (string, error) {
	random := make([]byte, 16)
	if _, err := rand.Read(random); err != nil {
		return "", err
	}
	// util.EncryptMsg wants 16 alphanumeric bytes as WeCom's samples use.
	const alnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for i, b := range random {
		random[i] = alnum[int(b)%len(alnum)]
	}
	out, err := util.EncryptMsg(random, msg, receiveID, encodingAESKey)
	if err != nil {
		return "", fmt.Errorf("encrypt: %w", err)
	}
	return string(out), nil
}
