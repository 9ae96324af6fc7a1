package wecom

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
)

// decryptEmptyReceiveID opens a payload made for the empty receive id, as
// the AI bot's callbacks are (PLATFORMS.md §2.2: receiveid "" for internal
// 智能机器人). silenceper's util.DecryptMsg cannot: it insists on at least
// one byte of receive id after the message. Same scheme: AES-256-CBC with
// IV = key[:16], PKCS#7 to 32 bytes, random(16) ‖ len(4, big endian) ‖ msg
// ‖ receiveid.
func decryptEmptyReceiveID(encrypted, encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != 43 {
		return nil, errors.New("decrypt: EncodingAESKey must be 43 characters")
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, errors.New("decrypt: bad EncodingAESKey")
	}
	ct, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	if len(ct) < 32 || len(ct)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("decrypt: ciphertext of %d bytes", len(ct))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > 32 || pad > len(pt) {
		return nil, errors.New("decrypt: bad padding")
	}
	pt = pt[:len(pt)-pad]
	if len(pt) < 20 {
		return nil, errors.New("decrypt: plaintext too short")
	}
	n := binary.BigEndian.Uint32(pt[16:20])
	if uint64(n) > uint64(len(pt)-20) {
		return nil, fmt.Errorf("decrypt: message length %d too large", n)
	}
	if rest := len(pt) - 20 - int(n); rest != 0 {
		return nil, errors.New("decrypt: payload made for another receive id")
	}
	return pt[20 : 20+n], nil
}
