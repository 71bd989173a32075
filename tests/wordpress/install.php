<?php
/* Install WordPress into the private database and publish one post.
 * Usage: php install.php WORDPRESS_DIR POST_CONTENT; prints the new post's id. */
define( 'WP_INSTALLING', true );
$_SERVER['HTTP_HOST'] = parse_url( 'http://localhost/', PHP_URL_HOST );
require $argv[1] . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

$result = wp_install( 'Riverside clinic', 'admin', 'admin@example.org', false, '', 'not-a-real-password' );
if ( is_wp_error( $result ) ) {
	fwrite( STDERR, $result->get_error_message() . "\n" );
	exit( 1 );
}
switch_theme( 'stretchguide-test' );
update_option( 'permalink_structure', '' );

$post_id = wp_insert_post( array(
	'post_title'   => 'A stretch for your lower back',
	'post_content' => $argv[2],
	'post_status'  => 'publish',
	'post_author'  => 1,
), true );
if ( is_wp_error( $post_id ) ) {
	fwrite( STDERR, $post_id->get_error_message() . "\n" );
	exit( 1 );
}
echo $post_id;
