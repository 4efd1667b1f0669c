;; Source: Rosetta Code, task "Caesar cipher" (https://rosettacode.org/wiki/Caesar_cipher), a Clojure
;;   solution as mirrored in https://github.com/acmeism/RosettaCodeData, Task/Caesar-cipher/Clojure/caesar-cipher-2.clj
;;   (commit cb5bb5e2222aa0c99dd42cf74afb8959fa0a64a8).
;; Licence: GNU Free Documentation License 1.2 (Rosetta Code's content licence).
;; Adapted: namespace corpus.rc-caesar-cipher; -main encodes and decodes a sentence.
(ns corpus.rc-caesar-cipher)

(defn encode [k s]
  (let [f #(take 26 (drop %3 (cycle (range (int %1) (inc (int %2))))))
        a #(map char (concat (f \a \z %) (f \A \Z %)))]
    (apply str (replace (zipmap (a 0) (a k)) s))))

(defn decode [k s]
  (encode (- 26 k) s))

(defn -main []
  (let [s "The Quick Brown Fox Jumped Over The Lazy Dog!"
        e (encode 12 s)]
    (println e)
    (println (decode 12 e))))
