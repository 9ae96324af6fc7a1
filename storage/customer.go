package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/salesbot/salesbot/domain"
	"gorm.io/gorm"
)

// CreateCustomer adds a customer and its aliases in one transaction.
// Customer names and aliases are unique within a tenant (compared exactly):
// a duplicate is a Conflict.
func (s *Store) CreateCustomer(ctx context.Context, c domain.Customer) (domain.Customer, error) {
	if c.Name == "" {
		return domain.Customer{}, fmt.Errorf("create customer: %w", domain.Errorf(domain.Invalid, "客户名称不能为空"))
	}
	if c.TenantID == "" {
		return domain.Customer{}, fmt.Errorf("create customer: %w", errNoTenant)
	}
	if c.ID == "" {
		c.ID = domain.NewID()
	}
	row := customerFromDomain(c)
	var aliases []string
	err := s.InTx(ctx, func(ctx context.Context) error {
		if err := s.db(ctx).Create(&row).Error; err != nil {
			return conflict(err, "客户 %s 已存在", c.Name)
		}
		var err error
		aliases, err = s.addAliases(ctx, c.TenantID, c.ID, c.Name, c.Aliases)
		return err
	})
	if err != nil {
		return domain.Customer{}, fmt.Errorf("create customer: %w", err)
	}
	return row.toDomain(aliases), nil
}

// AddCustomerAlias gives a customer another name the team uses for it.
func (s *Store) AddCustomerAlias(ctx context.Context, tenant, customerID, alias string) error {
	if _, err := s.addAliases(ctx, tenant, customerID, "", []string{alias}); err != nil {
		return fmt.Errorf("add customer alias: %w", err)
	}
	return nil
}

// addAliases inserts the aliases that are new and not the name itself, and
// returns them.
func (s *Store) addAliases(ctx context.Context, tenant, customerID, name string, aliases []string) ([]string, error) {
	seen := map[string]bool{name: true, "": true}
	var added []string
	for _, a := range aliases {
		if seen[a] {
			continue
		}
		seen[a] = true
		row := aliasRow{ID: domain.NewID(), TenantID: tenant, CustomerID: customerID, Alias: a}
		if err := s.db(ctx).Create(&row).Error; err != nil {
			return nil, conflict(err, "别名 %s 已被其他客户使用", a)
		}
		added = append(added, a)
	}
	return added, nil
}

// Customers lists the tenant's customers by name, with their aliases.
func (s *Store) Customers(ctx context.Context, tenant string) ([]domain.Customer, error) {
	var rows []customerRow
	if err := s.db(ctx).Where("tenant_id = ?", tenant).Order("name, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("customers: %w", err)
	}
	var aliases []aliasRow
	if err := s.db(ctx).Where("tenant_id = ?", tenant).Order("created_at, id").Find(&aliases).Error; err != nil {
		return nil, fmt.Errorf("customers: %w", err)
	}
	byCustomer := map[string][]string{}
	for _, a := range aliases {
		byCustomer[a.CustomerID] = append(byCustomer[a.CustomerID], a.Alias)
	}
	out := make([]domain.Customer, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain(byCustomer[r.ID])
	}
	return out, nil
}

// CustomerByID returns one customer with its aliases.
func (s *Store) CustomerByID(ctx context.Context, tenant, id string) (domain.Customer, error) {
	var row customerRow
	if err := s.db(ctx).Where("tenant_id = ? AND id = ?", tenant, id).First(&row).Error; err != nil {
		return domain.Customer{}, fmt.Errorf("customer %s: %w", id, notFound(err, "客户不存在"))
	}
	return s.withAliases(ctx, row)
}

// CustomerByName returns the customer with exactly this name, or else the
// one with this alias.
func (s *Store) CustomerByName(ctx context.Context, tenant, name string) (domain.Customer, error) {
	var row customerRow
	err := s.db(ctx).Where("tenant_id = ? AND name = ?", tenant, name).First(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		err = s.db(ctx).Table("customers AS c").Select("c.*").
			Joins("JOIN customer_aliases AS a ON a.tenant_id = c.tenant_id AND a.customer_id = c.id").
			Where("a.tenant_id = ? AND a.alias = ?", tenant, name).Take(&row).Error
	}
	if err != nil {
		return domain.Customer{}, fmt.Errorf("customer %q: %w", name, notFound(err, "客户 %s 不存在", name))
	}
	return s.withAliases(ctx, row)
}

func (s *Store) withAliases(ctx context.Context, row customerRow) (domain.Customer, error) {
	var aliases []string
	err := s.db(ctx).Model(&aliasRow{}).Where("tenant_id = ? AND customer_id = ?", row.TenantID, row.ID).
		Order("created_at, id").Pluck("alias", &aliases).Error
	if err != nil {
		return domain.Customer{}, fmt.Errorf("customer aliases: %w", err)
	}
	return row.toDomain(aliases), nil
}

// CreateContact adds a person at a customer.
func (s *Store) CreateContact(ctx context.Context, c domain.Contact) (domain.Contact, error) {
	if c.TenantID == "" {
		return domain.Contact{}, fmt.Errorf("create contact: %w", errNoTenant)
	}
	if c.ID == "" {
		c.ID = domain.NewID()
	}
	row := contactFromDomain(c)
	if err := s.db(ctx).Create(&row).Error; err != nil {
		return domain.Contact{}, fmt.Errorf("create contact: %w", conflict(err, "联系人已存在"))
	}
	return row.toDomain(), nil
}

// Contacts lists a customer's contacts by name.
func (s *Store) Contacts(ctx context.Context, tenant, customerID string) ([]domain.Contact, error) {
	var rows []contactRow
	err := s.db(ctx).Where("tenant_id = ? AND customer_id = ?", tenant, customerID).Order("name, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("contacts: %w", err)
	}
	return mapSlice(rows, contactRow.toDomain), nil
}

// CreateOpportunity adds a deal.
func (s *Store) CreateOpportunity(ctx context.Context, o domain.Opportunity) (domain.Opportunity, error) {
	if o.TenantID == "" {
		return domain.Opportunity{}, fmt.Errorf("create opportunity: %w", errNoTenant)
	}
	if o.ID == "" {
		o.ID = domain.NewID()
	}
	if o.Stage == "" {
		o.Stage = domain.StageLead
	}
	row := opportunityFromDomain(o)
	if err := s.db(ctx).Create(&row).Error; err != nil {
		return domain.Opportunity{}, fmt.Errorf("create opportunity: %w", conflict(err, "商机已存在"))
	}
	return row.toDomain(), nil
}

// Opportunities lists a customer's deals, newest first.
func (s *Store) Opportunities(ctx context.Context, tenant, customerID string) ([]domain.Opportunity, error) {
	var rows []opportunityRow
	err := s.db(ctx).Where("tenant_id = ? AND customer_id = ?", tenant, customerID).
		Order("created_at DESC, id DESC").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("opportunities: %w", err)
	}
	return mapSlice(rows, opportunityRow.toDomain), nil
}
