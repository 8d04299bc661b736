/* SPDX-License-Identifier: MIT */
/*
 * The SQLite schema as numbered migrations. A migration is never edited once released: a
 * change is a new migration. jg_store_migrate() applies the missing ones in one transaction.
 *
 * Stored derived values (sku.on_hand, sku.committed, listing.listed, order_line.oversold_by,
 * line_item.short) are caches of the ledger that `jaego check` recomputes and compares.
 */
#include "db.h"

const jg__migration jg__sqlite_migrations[] = {
	{1,
	 "CREATE TABLE setting("
	 "  key TEXT PRIMARY KEY,"
	 "  value INTEGER NOT NULL);"
	 "INSERT INTO setting(key, value) VALUES ('priority_top', 1);"

	 "CREATE TABLE sku("
	 "  id INTEGER PRIMARY KEY,"
	 "  code TEXT NOT NULL UNIQUE,"
	 "  name TEXT NOT NULL,"
	 "  safety INTEGER NOT NULL DEFAULT 0 CHECK (safety >= 0),"
	 "  low_stock INTEGER NOT NULL DEFAULT 0 CHECK (low_stock >= 0),"
	 "  on_hand INTEGER NOT NULL DEFAULT 0,"
	 "  committed INTEGER NOT NULL DEFAULT 0,"
	 "  created_at INTEGER NOT NULL);"

	 /* Append-only: a correction is a new row, never an UPDATE. */
	 "CREATE TABLE movement("
	 "  id INTEGER PRIMARY KEY,"
	 "  sku_id INTEGER NOT NULL REFERENCES sku(id),"
	 "  kind INTEGER NOT NULL,"
	 "  delta INTEGER NOT NULL,"
	 "  reason TEXT NOT NULL DEFAULT '',"
	 "  source TEXT NOT NULL DEFAULT '',"
	 "  at INTEGER NOT NULL);"
	 "CREATE INDEX movement_sku ON movement(sku_id, id);"

	 "CREATE TABLE channel("
	 "  id INTEGER PRIMARY KEY,"
	 "  name TEXT NOT NULL UNIQUE,"
	 "  profile TEXT NOT NULL,"
	 "  buffer INTEGER NOT NULL DEFAULT 0,"
	 "  percent INTEGER NOT NULL DEFAULT 100,"
	 "  max_qty INTEGER NOT NULL DEFAULT -1,"
	 "  end_when INTEGER NOT NULL DEFAULT -1,"
	 "  priority INTEGER NOT NULL DEFAULT 0,"
	 "  paused INTEGER NOT NULL DEFAULT 0,"
	 "  last_import_at INTEGER NOT NULL DEFAULT 0,"
	 "  last_told_at INTEGER NOT NULL DEFAULT 0,"
	 "  created_at INTEGER NOT NULL);"

	 "CREATE TABLE listing("
	 "  id INTEGER PRIMARY KEY,"
	 "  channel_id INTEGER NOT NULL REFERENCES channel(id),"
	 "  product_id TEXT NOT NULL,"
	 "  option_text TEXT NOT NULL DEFAULT '',"
	 "  option_key TEXT NOT NULL DEFAULT '',"
	 "  plain_sku_id INTEGER REFERENCES sku(id),"
	 "  listed INTEGER NOT NULL DEFAULT 0,"
	 "  why INTEGER NOT NULL DEFAULT 0,"
	 "  limit_sku_id INTEGER,"
	 "  last_told INTEGER,"
	 "  told_at INTEGER NOT NULL DEFAULT 0,"
	 "  updated_at INTEGER NOT NULL,"
	 "  UNIQUE (channel_id, product_id, option_key));"
	 "CREATE INDEX listing_plain ON listing(plain_sku_id) WHERE plain_sku_id IS NOT NULL;"

	 /* The recipe; (sku_id, listing_id) is the reverse index SKU -> listings. */
	 "CREATE TABLE recipe_item("
	 "  listing_id INTEGER NOT NULL REFERENCES listing(id),"
	 "  pos INTEGER NOT NULL,"
	 "  sku_id INTEGER NOT NULL REFERENCES sku(id),"
	 "  qty INTEGER NOT NULL CHECK (qty > 0),"
	 "  PRIMARY KEY (listing_id, pos)) WITHOUT ROWID;"
	 "CREATE INDEX recipe_item_sku ON recipe_item(sku_id, listing_id);"

	 "CREATE TABLE order_line("
	 "  id INTEGER PRIMARY KEY,"
	 "  channel_id INTEGER NOT NULL REFERENCES channel(id),"
	 "  line_id TEXT NOT NULL,"
	 "  order_no TEXT NOT NULL DEFAULT '',"
	 "  product_id TEXT NOT NULL,"
	 "  option_text TEXT NOT NULL DEFAULT '',"
	 "  option_key TEXT NOT NULL DEFAULT '',"
	 "  qty INTEGER NOT NULL CHECK (qty > 0),"
	 "  status INTEGER NOT NULL,"
	 "  channel_status TEXT NOT NULL DEFAULT '',"
	 "  listing_id INTEGER REFERENCES listing(id),"
	 "  oversold_by INTEGER NOT NULL DEFAULT 0,"
	 "  restocked INTEGER NOT NULL DEFAULT 0,"
	 "  courier TEXT NOT NULL DEFAULT '',"
	 "  tracking TEXT NOT NULL DEFAULT '',"
	 "  ordered_at INTEGER NOT NULL,"
	 "  created_at INTEGER NOT NULL,"
	 "  updated_at INTEGER NOT NULL,"
	 "  UNIQUE (channel_id, line_id));"
	 "CREATE INDEX order_line_unmatched ON order_line(channel_id, product_id, option_key)"
	 "  WHERE listing_id IS NULL;"
	 "CREATE INDEX order_line_oversold ON order_line(id) WHERE oversold_by > 0;"

	 /* The recipe snapshot of a matched line: units of each SKU it holds or shipped. */
	 "CREATE TABLE line_item("
	 "  line_pk INTEGER NOT NULL REFERENCES order_line(id),"
	 "  sku_id INTEGER NOT NULL REFERENCES sku(id),"
	 "  per_unit INTEGER NOT NULL,"
	 "  units INTEGER NOT NULL,"
	 "  open INTEGER NOT NULL,"
	 "  short INTEGER NOT NULL DEFAULT 0,"
	 "  PRIMARY KEY (line_pk, sku_id)) WITHOUT ROWID;"
	 "CREATE INDEX line_item_open ON line_item(sku_id, line_pk) WHERE open = 1;"
	 "CREATE INDEX line_item_short ON line_item(sku_id) WHERE short > 0;"},

	/* Order files: what each line says beyond stock (for orders, customers and
	 * reports), which import brought it, the imports themselves, and profiles added by
	 * the seller. Personal data lives in order_line only and is never logged. */
	{2,
	 "ALTER TABLE order_line ADD COLUMN product_name TEXT NOT NULL DEFAULT '';"
	 "ALTER TABLE order_line ADD COLUMN sku_code TEXT NOT NULL DEFAULT '';"
	 "ALTER TABLE order_line ADD COLUMN price INTEGER;"
	 "ALTER TABLE order_line ADD COLUMN buyer_name TEXT NOT NULL DEFAULT '';"
	 "ALTER TABLE order_line ADD COLUMN buyer_phone TEXT NOT NULL DEFAULT '';"
	 "ALTER TABLE order_line ADD COLUMN recipient_name TEXT NOT NULL DEFAULT '';"
	 "ALTER TABLE order_line ADD COLUMN recipient_phone TEXT NOT NULL DEFAULT '';"
	 "ALTER TABLE order_line ADD COLUMN postal_code TEXT NOT NULL DEFAULT '';"
	 "ALTER TABLE order_line ADD COLUMN address TEXT NOT NULL DEFAULT '';"
	 "ALTER TABLE order_line ADD COLUMN message TEXT NOT NULL DEFAULT '';"
	 "ALTER TABLE order_line ADD COLUMN import_id INTEGER REFERENCES import_file(id);"
	 "CREATE INDEX order_line_import ON order_line(import_id) WHERE import_id IS NOT NULL;"

	 "CREATE TABLE import_file("
	 "  id INTEGER PRIMARY KEY,"
	 "  channel_id INTEGER NOT NULL REFERENCES channel(id),"
	 "  file_name TEXT NOT NULL,"
	 "  format TEXT NOT NULL,"
	 "  profile TEXT NOT NULL,"
	 "  rows INTEGER NOT NULL DEFAULT 0,"
	 "  new_lines INTEGER NOT NULL DEFAULT 0,"
	 "  duplicates INTEGER NOT NULL DEFAULT 0,"
	 "  status_changes INTEGER NOT NULL DEFAULT 0,"
	 "  refused INTEGER NOT NULL DEFAULT 0,"
	 "  rejected INTEGER NOT NULL DEFAULT 0,"
	 "  at INTEGER NOT NULL);"

	 "CREATE TABLE profile("
	 "  name TEXT PRIMARY KEY,"
	 "  json TEXT NOT NULL,"
	 "  added_at INTEGER NOT NULL);"},

	/* The server: users (Argon2id hashes), API tokens and sessions (SHA-256 digests of
	 * their secrets, never the secrets), and the audit log of every write made through
	 * the server. Roles: 0 viewer, 1 operator, 2 admin. */
	{3,
	 "CREATE TABLE app_user("
	 "  id INTEGER PRIMARY KEY,"
	 "  name TEXT NOT NULL UNIQUE,"
	 "  role INTEGER NOT NULL CHECK (role BETWEEN 0 AND 2),"
	 "  password_hash TEXT NOT NULL,"
	 "  created_at INTEGER NOT NULL);"

	 "CREATE TABLE api_token("
	 "  id INTEGER PRIMARY KEY,"
	 "  name TEXT NOT NULL UNIQUE,"
	 "  role INTEGER NOT NULL CHECK (role BETWEEN 0 AND 2),"
	 "  digest TEXT NOT NULL UNIQUE,"
	 "  created_at INTEGER NOT NULL);"

	 "CREATE TABLE app_session("
	 "  id INTEGER PRIMARY KEY,"
	 "  digest TEXT NOT NULL UNIQUE,"
	 "  user_id INTEGER NOT NULL REFERENCES app_user(id),"
	 "  csrf TEXT NOT NULL,"
	 "  created_at INTEGER NOT NULL,"
	 "  expires_at INTEGER NOT NULL);"
	 "CREATE INDEX app_session_user ON app_session(user_id);"
	 "CREATE INDEX app_session_expires ON app_session(expires_at);"

	 "CREATE TABLE audit("
	 "  id INTEGER PRIMARY KEY,"
	 "  at INTEGER NOT NULL,"
	 "  who TEXT NOT NULL,"
	 "  method TEXT NOT NULL,"
	 "  path TEXT NOT NULL,"
	 "  request_id TEXT NOT NULL,"
	 "  status INTEGER NOT NULL);"},
};

const int jg__sqlite_migration_count =
	(int)(sizeof(jg__sqlite_migrations) / sizeof(jg__sqlite_migrations[0]));
