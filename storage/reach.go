package storage

import (
	"context"
	"fmt"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
)

// ReachMember implements bot.Directory: the first of the given platforms on
// which the member has an identity, and their user id there. On the
// console every active member is reachable by their member id.
func (s *Store) ReachMember(ctx context.Context, tenant, memberID string, platforms []bot.Platform) (bot.Platform, string, error) {
	var ids []identityRow
	if err := s.db(ctx).Where("tenant_id = ? AND member_id = ?", tenant, memberID).Find(&ids).Error; err != nil {
		return "", "", fmt.Errorf("reach member: %w", err)
	}
	for _, p := range platforms {
		if p == bot.Console {
			if _, err := s.MemberByID(ctx, tenant, memberID); err != nil {
				return "", "", fmt.Errorf("reach member: %w", err)
			}
			return p, memberID, nil
		}
		for _, id := range ids {
			if id.Platform == string(p) {
				return p, id.PlatformUserID, nil
			}
		}
	}
	return "", "", fmt.Errorf("reach member: %w", domain.Errorf(domain.NotFound, "成员在已接入的平台上没有账号"))
}
