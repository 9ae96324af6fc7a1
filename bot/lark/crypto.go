package lark

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// Signature returns the X-Lark-Signature of a callback: the lower-case hex
// SHA-256 of timestamp + nonce + encrypt key + the raw body (PLATFORMS.md
// §1.4). It is a plain hash, not an HMAC; that is how Lark signs.
func Signature(timestamp, nonce, encryptKey string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(timestamp))
	h.Write([]byte(nonce))
	h.Write([]byte(encryptKey))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// validSignature compares a received signature with the expected one in
// constant time.
func validSignature(got, timestamp, nonce, encryptKey string, body []byte) bool {
	want := Signature(timestamp, nonce, encryptKey, body)
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// aesKey derives the AES-256 key from the Encrypt Key.
func aesKey(encryptKey string) []byte {
	k := sha256.Sum256([]byte(encryptKey))
	return k[:]
}

// Decrypt opens an "encrypt" field of a callback body: base64 of a random
// 16-byte IV followed by the AES-256-CBC ciphertext of the PKCS#7-padded
// JSON, with the SHA-256 of the Encrypt Key as the key.
func Decrypt(encrypted, encryptKey string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	if len(raw) < 2*aes.BlockSize || len(raw)%aes.BlockSize != 0 {
		return nil, errors.New("decrypt: ciphertext is not a whole number of blocks")
	}
	block, err := aes.NewCipher(aesKey(encryptKey))
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	iv, data := raw[:aes.BlockSize], raw[aes.BlockSize:]
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	n := int(out[len(out)-1])
	if n == 0 || n > aes.BlockSize || n > len(out) || !bytes.Equal(out[len(out)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil, errors.New("decrypt: bad padding (wrong encrypt key?)")
	}
	return out[:len(out)-n], nil
}

// Encrypt seals plaintext as Lark does for callbacks (the inverse of
// Decrypt); the emulator's event driver uses it.
func Encrypt(plaintext []byte, encryptKey string) (string, error) {
	block, err := aes.NewCipher(aesKey(encryptKey))
	if err != nil {
		return "", err
	}
	n := aes.BlockSize - len(plaintext)%aes.BlockSize
	padded := append(append([]byte(nil), plaintext...), bytes.Repeat([]byte{byte(n)}, n)...)
	out := make([]byte, aes.BlockSize+len(padded))
	if _, err := rand.Read(out[:aes.BlockSize]); err != nil {
		return "", err
	}
	cipher.NewCBCEncrypter(block, out[:aes.BlockSize]).CryptBlocks(out[aes.BlockSize:], padded)
	return base64.StdEncoding.EncodeToString(out), nil
}
