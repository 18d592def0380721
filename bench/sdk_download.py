"""openstacksdk contender for the download case: what a user script does (runs in .bench-venv).

`download_image(image, output=path)` streams to the file and checks the image's multihash (or
MD5) on the fly, raising on a mismatch.
"""

import argparse

import openstack


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--cloud', required=True)
    parser.add_argument('--image', required=True)
    parser.add_argument('--output', required=True)
    args = parser.parse_args()
    conn = openstack.connect(cloud=args.cloud)
    image = conn.image.get_image(args.image)
    conn.image.download_image(image, output=args.output)


if __name__ == '__main__':
    main()
