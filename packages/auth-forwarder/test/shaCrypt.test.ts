import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseShaCryptSetting, shaCrypt } from '../src/internal/basic/shaCrypt.ts';

// The test vectors published with the specification ("Unix crypt using SHA-256 and SHA-512",
// U. Drepper), minus the 77777- and 123456-round ones, which only add run time.
const specVectors: [setting: string, password: string, expected: string][] = [
  ['$5$saltstring', 'Hello world!', '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5'],
  ['$5$rounds=10000$saltstringsaltstring', 'Hello world!',
    '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA'],
  ['$5$rounds=5000$toolongsaltstring', 'This is just a test',
    '$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5'],
  ['$5$rounds=1400$anotherlongsaltstring', 'a very much longer text to encrypt.  This one even stretches over morethan one line.',
    '$5$rounds=1400$anotherlongsalts$Rx.j8H.h8HjEDGomFU8bDkXm3XIUnzyxf12oP84Bnq1'],
  ['$5$rounds=10$roundstoolow', 'the minimum number is still observed',
    '$5$rounds=1000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC'],
  ['$6$saltstring', 'Hello world!',
    '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1'],
  ['$6$rounds=10000$saltstringsaltstring', 'Hello world!',
    '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.'],
  ['$6$rounds=5000$toolongsaltstring', 'This is just a test',
    '$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0'],
  ['$6$rounds=1400$anotherlongsaltstring', 'a very much longer text to encrypt.  This one even stretches over morethan one line.',
    '$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1'],
  ['$6$rounds=10$roundstoolow', 'the minimum number is still observed',
    '$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.'],
];

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('shaCrypt', () => {
  for (const [setting, password, expected] of specVectors) {
    it(`reproduces the specification's vector for ${setting}`, async () => {
      assert.equal(await shaCrypt(password, parseShaCryptSetting(setting)!), expected);
    });
  }

  it('reproduces the empty-password, empty-salt edge case', async () => {
    assert.equal(
      await shaCrypt('', parseShaCryptSetting('$6$$')!),
      '$6$$/chiBau24cE26QQVW3IfIe68Xu5.JQ4E8Ie7lcRLwqxO5cxGuBhqF2HmTL.zWJ9zjChg3yJYFXeGBQ2y3Ba1d1',
    );
  });

  describe('against openssl passwd', function () {
    before(function () {
      if (!hasOpenssl()) this.skip();
    });

    const cases: [variant: '-5' | '-6', password: string][] = [
      ['-5', 'correct horse'],
      ['-6', 'correct horse'],
      ['-5', 'pässwörd ✓ with UTF-8'],
      ['-6', 'x'.repeat(200)],
      ['-5', 'a'],
    ];
    for (const [variant, password] of cases) {
      it(`matches openssl passwd ${variant} for a ${password.length}-character password`, async () => {
        const expected = execFileSync('openssl', ['passwd', variant, '-stdin'], { input: `${password}\n` }).toString().trim();
        assert.equal(await shaCrypt(password, parseShaCryptSetting(expected)!), expected);
      });
    }
  });

  it('differs for a wrong password', async () => {
    const [setting, , expected] = specVectors[0]!;
    assert.notEqual(await shaCrypt('Hello world?', parseShaCryptSetting(setting)!), expected);
  });
});
