<?php
/* WordPress settings for the embed test: a private database over a socket, this folder as
 * ABSPATH, and no request to any host but the test's own loopback addresses. The test fills
 * in the @...@ placeholders. */
define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'root' );
define( 'DB_PASSWORD', '' );
define( 'DB_HOST', 'localhost:@SOCKET@' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
$table_prefix = 'wp_';

define( 'AUTH_KEY', 'stretchguide-test-auth' );
define( 'SECURE_AUTH_KEY', 'stretchguide-test-secure-auth' );
define( 'LOGGED_IN_KEY', 'stretchguide-test-logged-in' );
define( 'NONCE_KEY', 'stretchguide-test-nonce' );
define( 'AUTH_SALT', 'stretchguide-test-auth-salt' );
define( 'SECURE_AUTH_SALT', 'stretchguide-test-secure-auth-salt' );
define( 'LOGGED_IN_SALT', 'stretchguide-test-logged-in-salt' );
define( 'NONCE_SALT', 'stretchguide-test-nonce-salt' );

define( 'WP_HOME', '@WP_URL@' );
define( 'WP_SITEURL', '@WP_URL@' );
define( 'WP_CONTENT_DIR', __DIR__ . '/wp-content' );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'WP_ACCESSIBLE_HOSTS', '@GUIDE_HOST@' );
define( 'WP_DEBUG', false );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
